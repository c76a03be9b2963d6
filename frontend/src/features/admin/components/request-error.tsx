import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError } from '@/lib/api-client';

import { describeValidationDetails } from '../utils/format';

/** A refused request: the server's message and, for a validation error, each field's problem. */
export function RequestError({ error }: { error: unknown }) {
  const details = isApiError(error, 'validation_error') ? describeValidationDetails(error.details) : [];
  return (
    <ErrorMessage error={error}>
      {details.length > 0 ? (
        <ul className="error-list">
          {details.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      ) : null}
    </ErrorMessage>
  );
}
