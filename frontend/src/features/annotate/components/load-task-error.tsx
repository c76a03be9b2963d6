import { Link } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';

/** Asking for the next task failed: try again, or go back to the list. */
export function LoadTaskError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <ErrorMessage error={error} title="Could not load a task.">
      <button type="button" className="button button--primary" onClick={onRetry}>
        Try again
      </button>
      <Link className="button" to="/annotate">
        Back to campaigns
      </Link>
    </ErrorMessage>
  );
}
