import { useState, type FormEvent } from 'react';

import type { IngestKey } from '@/lib/api-types';

import { useCreateIngestKey } from '../api/create-ingest-key';
import { useIngestKeys } from '../api/get-ingest-keys';
import { useRevokeIngestKey } from '../api/revoke-ingest-key';
import { CREDENTIAL_HEADINGS, CredentialRow } from '../components/credential-row';
import { DataTable } from '../components/data-table';
import { OneTimeSecret } from '../components/one-time-secret';
import { RequestError } from '../components/request-error';

/** The README's ingestion call with this key, against the server the page came from. */
export const curlExample = (slug: string, key: string, origin = window.location.origin) =>
  [
    `curl -H "Authorization: Bearer ${key}" -H "Content-Type: application/x-ndjson" \\`,
    `     --data-binary @events.jsonl ${origin}/api/ingest/${slug}/events`,
  ].join('\n');

function KeyRow({ slug, ingestKey }: { slug: string; ingestKey: IngestKey }) {
  const revoke = useRevokeIngestKey();
  return (
    <CredentialRow
      credential={ingestKey}
      testId={`ingest-key-row-${ingestKey.id}`}
      consequence="The product’s batches sent with it are refused (401) from now on; this cannot be undone."
      revoke={{
        mutate: (done) => revoke.mutate({ slug, keyId: ingestKey.id }, { onSuccess: done }),
        isPending: revoke.isPending,
        error: revoke.error,
        reset: revoke.reset,
      }}
    />
  );
}

/** A source's write-only ingestion keys: list, create (secret shown once), revoke. */
export function IngestKeysPanel({ slug }: { slug: string }) {
  const keys = useIngestKeys(slug);
  const [name, setName] = useState('');
  const create = useCreateIngestKey({ mutationConfig: { onSuccess: () => setName('') } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ slug, name: name.trim() });
  };

  return (
    <section className="card stack" aria-labelledby="ingest-keys-title">
      <h2 id="ingest-keys-title">Ingestion keys</h2>
      {keys.error ? <RequestError error={keys.error} /> : null}
      {keys.data && keys.data.length > 0 ? (
        <DataTable label="Ingestion keys" headings={CREDENTIAL_HEADINGS}>
          {keys.data.map((k) => (
            <KeyRow key={k.id} slug={slug} ingestKey={k} />
          ))}
        </DataTable>
      ) : null}
      {keys.data && keys.data.length === 0 ? <p className="muted">No keys yet: make one for the product to send events with.</p> : null}
      {create.data ? (
        <OneTimeSecret
          title="New ingestion key"
          label={`Key “${create.data.name}”`}
          id="new-ingest-key-secret"
          secret={create.data.key}
          copyLabel="Copy key"
          testId="new-ingest-key"
          onDone={() => create.reset()}
        >
          <p>It can send this source’s events and nothing else. Send a batch (a JSON array, or JSONL as here):</p>
          <pre className="mono" data-testid="ingest-curl">
            {curlExample(slug, create.data.key)}
          </pre>
        </OneTimeSecret>
      ) : null}
      <form className="form form--inline" onSubmit={onSubmit} aria-label="New ingestion key">
        {create.error ? <RequestError error={create.error} /> : null}
        <div className="field">
          <label htmlFor="new-ingest-key-name">Key name</label>
          <input
            id="new-ingest-key-name"
            required
            maxLength={200}
            autoComplete="off"
            placeholder="e.g. production"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" className="button button--primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </form>
    </section>
  );
}
