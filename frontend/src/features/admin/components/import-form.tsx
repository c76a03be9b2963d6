import { useRef, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';

import { importJobError, importLineErrors, isImportJobActive, useImportItems, useImportJob } from '../api/import-items';
import { ProgressBar } from './progress-bar';

const MAX_SHOWN = 100;
/** What POST …/items/import-jobs reads: a JSONL file, or a zip of one JSONL and its media files. */
const IMPORT_ACCEPT = '.jsonl,.ndjson,application/jsonl,application/x-ndjson,.zip,application/zip';

export function ImportForm({ slug }: { slug: string }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const importItems = useImportItems();
  const { data: job } = useImportJob(importItems.data);
  const running = importItems.isPending || isImportJobActive(job);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (file) importItems.mutate({ slug, file });
  };

  // Refused when the job was asked for (e.g. a tree campaign), or by the job (its line errors).
  const error = importItems.error ?? importJobError(job);
  const lineErrors = importLineErrors(error);

  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import items</h2>
      <form className="form form--inline" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="import-file">JSONL file (one item per line), or a .zip with one .jsonl and the files it names</label>
          <input
            id="import-file"
            ref={fileRef}
            type="file"
            aria-describedby="import-file-hint"
            accept={IMPORT_ACCEPT}
            onChange={(e) => {
              importItems.reset();
              setFile(e.target.files?.[0] ?? null);
            }}
          />
          <small id="import-file-hint">
            One item per line. Media parts name their files by <span className="mono">path</span>, relative to the .jsonl inside the
            zip (e.g. <span className="mono">img/cat.png</span>), or by <span className="mono">url</span>.
          </small>
        </div>
        <button type="submit" className="button button--primary" disabled={!file || running}>
          {running ? 'Importing…' : 'Import'}
        </button>
      </form>
      <div aria-live="polite">
        {job && isImportJobActive(job) ? (
          <>
            <p className="muted">
              {job.progress_total > 0
                ? 'Writing items; annotators see them when all are written.'
                : 'Reading and checking the file…'}
            </p>
            <ProgressBar value={job.progress_done} max={job.progress_total} label="Import progress" />
          </>
        ) : null}
        {job?.status === 'succeeded' ? (
          <p className="alert alert--success" role="status">
            Imported {job.imported} item{job.imported === 1 ? '' : 's'}.
          </p>
        ) : null}
        {job?.status === 'cancelled' ? <p className="alert alert--error">The import was cancelled; nothing was imported.</p> : null}
      </div>
      {error ? (
        <ErrorMessage error={error}>
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
