import { useRef, useState, type FormEvent } from 'react';

import type { ApiTokenCreated } from '@/lib/api-types';

import { useCreateToken } from '../api/create-token';

import { RequestError } from './request-error';

/** The secret of a token just made. The server keeps only its hash: this is the one chance. */
function NewTokenSecret({ created, onDone }: { created: ApiTokenCreated; onDone: () => void }) {
  const secretRef = useRef<HTMLInputElement>(null);
  const [note, setNote] = useState<string | null>(null);

  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setNote('Copied to the clipboard.');
    } catch {
      // No clipboard here (plain HTTP on another host, or refused): select it for the keyboard.
      secretRef.current?.select();
      setNote('Selected: press Ctrl+C (or ⌘C) to copy.');
    }
  };

  return (
    <section className="alert alert--success" aria-label="New API token" data-testid="new-token">
      <div className="field">
        <label htmlFor="new-token-secret">Token “{created.name}”</label>
        <input
          ref={secretRef}
          id="new-token-secret"
          className="mono"
          readOnly
          value={created.token}
          aria-describedby="new-token-warning"
          onFocus={(e) => e.target.select()}
        />
        <strong id="new-token-warning" role="alert">
          Copy it now: it will not be shown again. prefhub keeps only a hash of it.
        </strong>
      </div>
      <p>
        Send it as <code>Authorization: Bearer …</code>, or paste it in “Authorize” on the <a href="/docs">API docs</a>.
      </p>
      <div className="form__actions">
        <button type="button" className="button button--small button--primary" onClick={copySecret}>
          Copy token
        </button>
        <button type="button" className="button button--small" onClick={onDone}>
          I have copied it
        </button>
        <span role="status" className="muted">
          {note}
        </span>
      </div>
    </section>
  );
}

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
      {create.data ? <NewTokenSecret created={create.data} onDone={() => create.reset()} /> : null}
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
