import { Markdown } from '@/components/markdown';
import { ErrorMessage } from '@/components/ui/error-message';

import { useGiveConsent } from '../../api/give-consent';

type ConsentFormProps = { slug: string; consent: string; step: string | null };

/** The researcher's consent text and one way on: "I agree". */
export function ConsentForm({ slug, consent, step }: ConsentFormProps) {
  const agree = useGiveConsent();
  return (
    <section className="card onboarding" data-testid="consent" aria-labelledby="consent-title">
      {step ? <p className="onboarding__step">{step}</p> : null}
      <h1 id="consent-title">Before you start: consent</h1>
      {/* A long text scrolls on its own; focusable so the keyboard can scroll it too. */}
      <div className="onboarding__consent" role="region" aria-label="Consent form" tabIndex={0}>
        <Markdown text={consent} source="trusted" />
      </div>
      {agree.error ? <ErrorMessage error={agree.error} title="Could not record your consent." /> : null}
      <p className="muted">If you do not agree, close this page: nothing about you has been recorded.</p>
      <div className="form__actions">
        <button
          type="button"
          className="button button--primary"
          disabled={agree.isPending}
          onClick={() => agree.mutate({ slug })}
        >
          {agree.isPending ? 'Saving…' : 'I agree'}
        </button>
      </div>
    </section>
  );
}
