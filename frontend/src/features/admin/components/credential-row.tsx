import { Fragment, useState, type ReactNode } from 'react';

import { formatDate } from '../utils/format';

import { RequestError } from './request-error';

export const CREDENTIAL_HEADINGS = ['Name', 'Starts with', 'Created', 'Last used', 'Status', 'Actions'];

/** What a credentials table shows of one: its secret is never kept, only how it starts. */
export type Credential = {
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

/** Revoking one: `mutate(done)` sends the request and calls `done` once it succeeded. */
export type Revoke = { mutate: (done: () => void) => void; isPending: boolean; error: Error | null; reset: () => void };

/** One API token or ingestion key: its dates, status, and Revoke behind a confirmation. */
export function CredentialRow({
  credential,
  testId,
  detailsTestId,
  consequence,
  revoke,
}: {
  credential: Credential;
  testId: string;
  detailsTestId?: string;
  /** What revoking does, after "Revoke <name>?". */
  consequence: ReactNode;
  revoke: Revoke;
}) {
  const [confirming, setConfirming] = useState(false);
  const revoked = credential.revoked_at !== null;
  const { name } = credential;

  return (
    <Fragment>
      <tr data-testid={testId}>
        <td>{name}</td>
        <td className="mono">{credential.prefix}…</td>
        <td>{formatDate(credential.created_at)}</td>
        <td>{credential.last_used_at ? formatDate(credential.last_used_at) : 'never'}</td>
        <td>
          <span className={`badge badge--${revoked ? 'cancelled' : 'active'}`}>
            {revoked ? `revoked ${formatDate(credential.revoked_at)}` : 'active'}
          </span>
        </td>
        <td>
          {revoked ? null : (
            <button
              type="button"
              className="button button--small button--danger"
              aria-label={`Revoke ${name}`}
              aria-expanded={confirming}
              disabled={revoke.isPending}
              onClick={() => {
                revoke.reset();
                setConfirming((open) => !open);
              }}
            >
              Revoke
            </button>
          )}
        </td>
      </tr>
      {confirming || revoke.error ? (
        <tr data-testid={detailsTestId}>
          <td colSpan={CREDENTIAL_HEADINGS.length}>
            {revoke.error ? <RequestError error={revoke.error} /> : null}
            {confirming ? (
              <div className="alert alert--error" role="group" aria-label={`Confirm revoking ${name}`}>
                <p>
                  Revoke <strong>{name}</strong>? {consequence}
                </p>
                <div className="form__actions">
                  <button
                    type="button"
                    className="button button--small button--danger"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate(() => setConfirming(false))}
                  >
                    {revoke.isPending ? 'Revoking…' : 'Yes, revoke'}
                  </button>
                  <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </div>
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}
