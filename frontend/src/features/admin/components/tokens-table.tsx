import type { ApiToken } from '@/lib/api-types';

import { useRevokeToken } from '../api/revoke-token';

import { CREDENTIAL_HEADINGS, CredentialRow } from './credential-row';
import { DataTable } from './data-table';

function TokenRow({ token }: { token: ApiToken }) {
  const revoke = useRevokeToken();
  return (
    <CredentialRow
      credential={{ ...token, prefix: token.token_prefix }}
      testId={`token-row-${token.id}`}
      detailsTestId={`token-details-${token.id}`}
      consequence="Every program that uses it is refused (401) from now on; this cannot be undone."
      revoke={{
        mutate: (done) => revoke.mutate(token.id, { onSuccess: done }),
        isPending: revoke.isPending,
        error: revoke.error,
        reset: revoke.reset,
      }}
    />
  );
}

export function TokensTable({ tokens }: { tokens: ApiToken[] }) {
  return (
    <DataTable label="API tokens" headings={CREDENTIAL_HEADINGS}>
      {tokens.map((token) => (
        <TokenRow key={token.id} token={token} />
      ))}
    </DataTable>
  );
}
