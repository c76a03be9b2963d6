import { useState, type FormEvent } from 'react';

import { useCreateToken } from '../api/create-token';

import { OneTimeSecret } from './one-time-secret';
import { RequestError } from './request-error';

/** Makes a named API token and shows its secret once. */
export function NewTokenForm() {
  const [name, setName] = useState('');
  const create = useCreateToken({ mutationConfig: { onSuccess: () => setName('') } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(name.trim());
  };

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      {create.error ? <RequestError error={create.error} /> : null}
      {create.data ? (
        <OneTimeSecret
          title="New API token"
          label={`Token “${create.data.name}”`}
          id="new-token-secret"
          secret={create.data.token}
          copyLabel="Copy token"
          testId="new-token"
          onDone={() => create.reset()}
        >
          <p>
            Send it as <code>Authorization: Bearer …</code>, or paste it in “Authorize” on the <a href="/docs">API docs</a>.
          </p>
        </OneTimeSecret>
      ) : null}
      <div className="field">
        <label htmlFor="new-token-name">Name</label>
        <input
          id="new-token-name"
          required
          maxLength={200}
          autoComplete="off"
          placeholder="e.g. analysis notebook"
          aria-describedby="new-token-name-help"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <small id="new-token-name-help">Say where it will be used, to know which one to revoke later.</small>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}
