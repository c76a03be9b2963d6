import type { ReactNode } from 'react';

import { isApiError } from '@/lib/api-client';

export function errorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

type ErrorMessageProps = { error: unknown; title?: string; children?: ReactNode };

/** Shows the server's human `message`; `children` can add actions such as "Try again". */
export function ErrorMessage({ error, title, children }: ErrorMessageProps) {
  return (
    <div className="alert alert--error" role="alert" data-error-code={isApiError(error) ? error.code : undefined}>
      {title ? <strong>{title} </strong> : null}
      <span>{errorText(error)}</span>
      {children ? <div className="alert__actions">{children}</div> : null}
    </div>
  );
}
