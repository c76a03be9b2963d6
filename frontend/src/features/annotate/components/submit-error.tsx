import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError, isRetryable } from '@/lib/api-client';

import type { Issue } from '../questions';

type SubmitErrorProps = {
  error: unknown;
  /** What a 422 named outside any one question, listed under the message. */
  general?: Issue[];
  /** The title of a 422: what to fix. */
  invalidTitle?: string;
  locked: boolean;
  onRetry: () => void;
  /** Give up on this task (the error will not go away by retrying). */
  onAbandon: () => void;
};

/** Why the answer was not saved: fix it (422), retry it (kept as it was), or move on. */
export function SubmitError({
  error,
  general = [],
  invalidTitle = 'Your answer was not saved — please fix the marked questions.',
  locked,
  onRetry,
  onAbandon,
}: SubmitErrorProps) {
  const invalid = isApiError(error, 'invalid_answer');
  const retryable = isRetryable(error);
  return (
    <ErrorMessage
      error={error}
      title={
        invalid
          ? invalidTitle
          : retryable
            ? 'Your answer was not saved yet — it is kept here.'
            : 'Your answer was not saved.'
      }
    >
      {invalid ? (
        general.length > 0 ? (
          <ul className="error-list">
            {general.map((item, i) => (
              <li key={i}>{item.field ? `${item.field}: ${item.message}` : item.message}</li>
            ))}
          </ul>
        ) : null
      ) : (
        <>
          <button type="button" className="button button--primary" onClick={onRetry} disabled={locked}>
            Retry
          </button>
          {!retryable ? (
            <button type="button" className="button" onClick={onAbandon}>
              Load the next task
            </button>
          ) : null}
        </>
      )}
    </ErrorMessage>
  );
}
