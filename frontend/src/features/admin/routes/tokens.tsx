import { Loading } from '@/components/ui/spinner';

import { useTokens } from '../api/get-tokens';
import { NewTokenForm } from '../components/new-token-form';
import { RequestError } from '../components/request-error';
import { TokensTable } from '../components/tokens-table';

/** The signed-in researcher's or admin's API tokens: list, create (secret shown once), revoke. */
export function TokensRoute() {
  const tokens = useTokens();
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>API tokens</h1>
      </div>
      <p className="muted">
        Scripts and notebooks use the REST API with a token instead of your password: send it as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. A token can do what you can. The{' '}
        <a href="/docs">API docs</a> list every endpoint; paste a token in “Authorize” there to try them.
      </p>
      <div className="stack">
        {tokens.isPending ? <Loading label="Loading tokens…" /> : null}
        {tokens.error ? <RequestError error={tokens.error} /> : null}
        {tokens.data && tokens.data.length > 0 ? <TokensTable tokens={tokens.data} /> : null}
        {tokens.data && tokens.data.length === 0 ? <p className="muted">No tokens yet.</p> : null}
        <NewTokenForm />
      </div>
    </main>
  );
}
