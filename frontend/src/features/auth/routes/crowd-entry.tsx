import { useEffect, useRef } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import { isApiError, isRetryable } from '@/lib/api-client';

import { useEnterCrowd, type EnterCrowdInput } from '../api/enter-crowd';

const BROKEN_LINK: Record<string, string> = {
  invalid_crowd_link: 'This study link is missing your participant id or it is malformed.',
  crowd_entry_not_found: 'This study link does not lead to an open study.',
};

/**
 * `/c/:slug?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=…`: a crowd platform's link. Every query
 * parameter goes to the server, which signs the participant in without a password.
 */
export default function CrowdEntryRoute() {
  const { slug = '' } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const enter = useEnterCrowd({
    mutationConfig: {
      onSuccess: ({ slug: campaign, kind }) => {
        const path = `/annotate/${encodeURIComponent(campaign)}`;
        navigate(kind === 'trees' ? `${path}/trees` : path, { replace: true });
      },
    },
  });
  const { mutate } = enter;
  const input = useRef<EnterCrowdInput>({ slug, body: { params: Object.fromEntries(search) } });
  // Once per visit: a second, simultaneous entry for a new participant would be refused.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    mutate(input.current);
  }, [mutate]);

  if (!enter.error) {
    return (
      <main className="page page--narrow">
        <Loading label="Opening the study…" />
      </main>
    );
  }
  const broken = isApiError(enter.error) ? BROKEN_LINK[enter.error.code] : undefined;
  return (
    <main className="page page--narrow">
      <h1>This link did not work</h1>
      <ErrorMessage error={enter.error} title={broken}>
        {broken ? null : (
          <button
            type="button"
            className="button button--primary"
            onClick={() => enter.mutate(input.current)}
            disabled={enter.isPending}
          >
            Try again
          </button>
        )}
      </ErrorMessage>
      <p>
        {broken
          ? 'Please go back to the study platform and open the study from there again. If it still fails, message the researcher.'
          : isRetryable(enter.error)
            ? 'The server could not be reached. Check your connection and try again.'
            : 'Please go back to the study platform, or message the researcher.'}
      </p>
    </main>
  );
}
