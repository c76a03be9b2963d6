import { Link } from 'react-router-dom';

import { isApiError } from '@/lib/api-client';

import { safeUrl } from '../../utils/safe-url';

type ExcludedDetails = { source?: string | null; screen_out_code?: string | null; return_url?: string | null };

/** `next` said 409 `annotator_excluded`: this annotator gets no more tasks here (null for any other error). */
export function excludedDetails(error: unknown): ExcludedDetails | null {
  if (!isApiError(error, 'annotator_excluded')) return null;
  return (error.details as ExcludedDetails | null) ?? {};
}

/**
 * Instead of a task once the annotator is stopped: a polite thank-you, and for a crowd participant
 * the screen-out code and the way back to the platform. Nothing here asks the server again.
 */
export function ScreenedOut({ details }: { details: ExcludedDetails }) {
  const qualification = details.source === 'qualification';
  const url = safeUrl(details.return_url ?? null);
  return (
    <section className="done card" data-testid="screened-out" aria-labelledby="screened-out-title">
      <h1 id="screened-out-title">Thank you for your time</h1>
      {qualification ? (
        <p>
          This study needs answers that match its reference answers closely, and yours did not reach the
          pass mark in the qualification tasks, so it has no tasks for you. Every answer you gave is saved.
        </p>
      ) : (
        <p>This campaign has no more tasks for you. Every answer you gave is saved.</p>
      )}
      {details.screen_out_code ? (
        <p>
          Your code for the study platform:{' '}
          <code className="completion__code" data-testid="screen-out-code">
            {details.screen_out_code}
          </code>
        </p>
      ) : null}
      <div className="form__actions">
        {url ? (
          <a className="button button--primary" href={url} data-testid="screen-out-link">
            Return to the study
          </a>
        ) : null}
        <Link className={url ? 'button' : 'button button--primary'} to="/annotate">
          Back to campaigns
        </Link>
      </div>
    </section>
  );
}
