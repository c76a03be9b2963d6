import { useRef, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';

import { importLineErrors, useImportItems } from '../api/import-items';

const MAX_SHOWN = 100;

export function ImportForm({ slug }: { slug: string }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const importItems = useImportItems();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (file) importItems.mutate({ slug, file });
  };

  const lineErrors = importLineErrors(importItems.error);

  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import items</h2>
      <form className="form form--inline" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="import-file">JSONL file (one item per line)</label>
          <input
            id="import-file"
            ref={fileRef}
            type="file"
            accept=".jsonl,.ndjson,application/jsonl,application/x-ndjson"
            onChange={(e) => {
              importItems.reset();
              setFile(e.target.files?.[0] ?? null);
            }}
          />
        </div>
        <button type="submit" className="button button--primary" disabled={!file || importItems.isPending}>
          {importItems.isPending ? 'Importing…' : 'Import'}
        </button>
      </form>
      <div aria-live="polite">
        {importItems.data ? (
          <p className="alert alert--success" role="status">
            Imported {importItems.data.imported} item{importItems.data.imported === 1 ? '' : 's'}.
          </p>
        ) : null}
      </div>
      {importItems.error ? (
        <ErrorMessage error={importItems.error}>
          {lineErrors && lineErrors.length > 0 ? (
            <>
              <ul className="error-list" aria-label="Line errors">
                {lineErrors.slice(0, MAX_SHOWN).map((e, i) => (
                  <li key={i}>
                    <span className="mono">Line {e.line}:</span> {e.message}
                  </li>
                ))}
              </ul>
              {lineErrors.length > MAX_SHOWN ? <p>…and {lineErrors.length - MAX_SHOWN} more.</p> : null}
            </>
          ) : null}
        </ErrorMessage>
      ) : null}
    </section>
  );
}
