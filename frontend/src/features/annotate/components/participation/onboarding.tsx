import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useParticipation } from '../../api/get-participation';

import { ConsentForm } from './consent-form';
import { ProfileSurvey } from './profile-survey';

/**
 * Consent, then the profile survey: what a campaign asks once before the first task. Answering
 * updates the cached participation state, and the gate above lets the tasks through.
 */
export function Onboarding({ slug }: { slug: string }) {
  const { data: state, error, refetch } = useParticipation(slug);
  if (error) {
    return (
      <ErrorMessage error={error} title="Could not load the study's first steps.">
        <button type="button" className="button" onClick={() => refetch()}>
          Try again
        </button>
      </ErrorMessage>
    );
  }
  if (!state) return <Loading />;
  const both = state.consent != null && state.survey.length > 0;
  if (state.consent != null && !state.consented) {
    return <ConsentForm slug={slug} consent={state.consent} step={both ? 'Step 1 of 2' : null} />;
  }
  return <ProfileSurvey slug={slug} state={state} step={both ? 'Step 2 of 2' : null} />;
}
