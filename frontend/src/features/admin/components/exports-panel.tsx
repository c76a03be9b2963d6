import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { ExportJob, ExportOptions } from '@/lib/api-types';

import { useCreateExport } from '../api/create-export';
import { useCampaignExports } from '../api/get-campaign-exports';
import { exportFileUrl, useExport } from '../api/get-export';
import { formatBytes, formatDate } from '../utils/format';

import { ProgressBar } from './progress-bar';
import { StatusBadge } from './status-badge';

// Item-campaign formats beyond dpo and judgments (README, "Export formats").
const MORE_FORMATS: { format: ExportOptions['format']; label: string }[] = [
  { format: 'kto', label: 'KTO (unpaired good / bad)' },
  { format: 'reward', label: 'Reward (implicit prompt, margin)' },
  { format: 'ranking', label: 'Ranking (best first)' },
  { format: 'ratings', label: 'Ratings (a column per attribute)' },
  { format: 'feedback', label: 'Feedback (critique, refinement)' },
];

function ExportRow({ initial }: { initial: ExportJob }) {
  const { data: job } = useExport(initial);
  return (
    <li className="export" data-testid={`export-${job.id}`}>
      <div className="export__head">
        <span className="mono">#{job.id}</span> <span className="badge">{job.format}</span> <StatusBadge status={job.status} />
        <span className="muted"> {formatDate(job.created_at)}</span>
      </div>
      {job.status === 'queued' || job.status === 'running' ? (
        <ProgressBar value={job.progress.done} max={job.progress.total} label={`Export ${job.id} progress`} />
      ) : null}
      {job.status === 'failed' ? <p className="alert alert--error">{job.error ?? 'The export failed.'}</p> : null}
      {job.status === 'succeeded' ? (
        <>
          {job.row_count !== null ? <p>{job.row_count} row{job.row_count === 1 ? '' : 's'}</p> : null}
          <ul className="export__files">
            {job.files.map((file) => (
              <li key={file.name}>
                <a href={exportFileUrl(job.id, file.name)} download={file.name}>
                  {file.name}
                </a>{' '}
                <span className="muted">({formatBytes(file.size)})</span>{' '}
                <code className="sha" title={`sha256 ${file.sha256}`}>
                  {file.sha256.slice(0, 12)}…
                </code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </li>
  );
}

export function ExportsPanel({ slug }: { slug: string }) {
  const exports = useCampaignExports(slug);
  const [conversational, setConversational] = useState(true);
  const [more, setMore] = useState<ExportOptions['format']>('kto');
  const create = useCreateExport();

  return (
    <section className="card" aria-labelledby="exports-title">
      <h2 id="exports-title">Exports</h2>
      <div className="form form--inline">
        <label className="checkbox">
          <input type="checkbox" checked={conversational} onChange={(e) => setConversational(e.target.checked)} />{' '}
          Conversational format
        </label>
        <button
          type="button"
          className="button button--primary"
          disabled={create.isPending}
          onClick={() => create.mutate({ slug, body: { format: 'dpo', conversational } })}
        >
          {create.isPending ? 'Starting…' : 'Export DPO'}
        </button>
        <button
          type="button"
          className="button"
          disabled={create.isPending}
          onClick={() => create.mutate({ slug, body: { format: 'judgments' } })}
          title="Every judgment of every question kind, every revision, never aggregated"
        >
          Export raw judgments
        </button>
        <label>
          Other format{' '}
          <select value={more} onChange={(e) => setMore(e.target.value as ExportOptions['format'])}>
            {MORE_FORMATS.map(({ format, label }) => (
              <option key={format} value={format}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          disabled={create.isPending}
          onClick={() => create.mutate({ slug, body: { format: more, conversational } })}
        >
          Export {more}
        </button>
      </div>
      {create.error ? <ErrorMessage error={create.error} /> : null}
      {exports.isPending ? <Loading label="Loading exports…" /> : null}
      {exports.error ? <ErrorMessage error={exports.error} /> : null}
      {exports.data && exports.data.exports.length === 0 ? <p className="muted">No exports yet.</p> : null}
      {exports.data ? (
        <ul className="exports" aria-live="polite">
          {[...exports.data.exports].sort((a, b) => b.id - a.id).map((job) => (
            <ExportRow key={job.id} initial={job} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
