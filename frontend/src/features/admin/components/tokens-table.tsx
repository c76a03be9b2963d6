import { Fragment, useState } from 'react';

import type { ApiToken } from '@/lib/api-types';

import { useRevokeToken } from '../api/revoke-token';
import { formatDate } from '../utils/format';

import { DataTable } from './data-table';
import { RequestError } from './request-error';

const HEADINGS = ['Name', 'Starts with', 'Created', 'Last used', 'Status', 'Actions'];

function TokenRow({ token }: { token: ApiToken }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useRevokeToken({ mutationConfig: { onSuccess: () => setConfirming(false) } });
  const revoked = token.revoked_at !== null;

  return (
    <Fragment>
      <tr data-testid={`token-row-${token.id}`}>
        <td>{token.name}</td>
        <td className="mono">{token.token_prefix}…</td>
        <td>{formatDate(token.created_at)}</td>
        <td>{token.last_used_at ? formatDate(token.last_used_at) : 'never'}</td>
        <td>
          <span className={`badge badge--${revoked ? 'cancelled' : 'active'}`}>
            {revoked ? `revoked ${formatDate(token.revoked_at)}` : 'active'}
          </span>
        </td>
        <td>
          {revoked ? null : (
            <button
              type="button"
              className="button button--small button--danger"
              aria-label={`Revoke ${token.name}`}
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
        <tr data-testid={`token-details-${token.id}`}>
          <td colSpan={HEADINGS.length}>
            {revoke.error ? <RequestError error={revoke.error} /> : null}
            {confirming ? (
              <div className="alert alert--error" role="group" aria-label={`Confirm revoking ${token.name}`}>
                <p>
                  Revoke <strong>{token.name}</strong>? Every program that uses it is refused (401) from now on; this
                  cannot be undone.
                </p>
                <div className="form__actions">
                  <button
                    type="button"
                    className="button button--small button--danger"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate(token.id)}
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

export function TokensTable({ tokens }: { tokens: ApiToken[] }) {
  return (
    <DataTable label="API tokens" headings={HEADINGS}>
      {tokens.map((token) => (
        <TokenRow key={token.id} token={token} />
      ))}
    </DataTable>
  );
}
