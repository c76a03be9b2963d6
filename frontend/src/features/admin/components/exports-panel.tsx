import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { ExportJob } from '@/lib/api-types';

import { useCampaignExports } from '../api/get-campaign-exports';
import { exportArchiveUrl, exportFileUrl, useExport } from '../api/get-export';
import { activeFilters, describeExportOptions, type ExportSpec } from '../utils/export-options';
import { formatBytes, formatDate } from '../utils/format';

import { ExportForm } from './export-form';
import { ProgressBar } from './progress-bar';
import { StatusBadge } from './status-badge';

type ExportFile = ExportJob['files'][number];

const totalSize = (files: ExportFile[]) => files.reduce((sum, file) => sum + file.size, 0);

function ExportFileLink({ jobId, file }: { jobId: number; file: ExportFile }) {
  return (
    <li>
      <a href={exportFileUrl(jobId, file.name)} download={file.name.split('/').pop()}>
        {file.name}
      </a>{' '}
      <span className="muted">({formatBytes(file.size)})</span>{' '}
      <code className="sha" title={`sha256 ${file.sha256}`}>
        {file.sha256.slice(0, 12)}…
      </code>
    </li>
  );
}

/** Every file of a succeeded export (data file, README.md, croissant.json, manifest.json;
 * media/ folded, as there may be thousands), and the whole folder as one zip. */
function ExportFiles({ job }: { job: ExportJob }) {
  const media = job.files.filter((file) => file.name.startsWith('media/'));
  const others = job.files.filter((file) => !file.name.startsWith('media/'));
  const count = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
  return (
    <>
      <p>
        <a className="button button--small" href={exportArchiveUrl(job.id)} download>
          Download all (.zip)
        </a>{' '}
        <span className="muted">
          {count(job.files.length)}, {formatBytes(totalSize(job.files))}
        </span>
      </p>
      <ul className="export__files" aria-label={`Export ${job.id} files`}>
        {others.map((file) => (
          <ExportFileLink key={file.name} jobId={job.id} file={file} />
        ))}
        {media.length > 0 ? (
          <li>
            <details>
              <summary>
                media/ ({count(media.length)}, {formatBytes(totalSize(media))})
              </summary>
              <ul className="export__files" aria-label={`Export ${job.id} media files`}>
                {media.map((file) => (
                  <ExportFileLink key={file.name} jobId={job.id} file={file} />
                ))}
              </ul>
            </details>
          </li>
        ) : null}
      </ul>
    </>
  );
}

function ExportRow({ initial }: { initial: ExportJob }) {
  const { data: job } = useExport(initial);
  const summary = describeExportOptions(job.options);
  const filters = activeFilters(job.options);
  return (
    <li className="export" data-testid={`export-${job.id}`}>
      <div className="export__head">
        <span className="mono">#{job.id}</span> <span className="badge">{job.format}</span> <StatusBadge status={job.status} />
        <span className="muted"> {formatDate(job.created_at)}</span>
      </div>
      {summary ? (
        <p className="muted" title={filters.length > 0 ? `Filters: ${filters.join(', ')}` : undefined}>
          {summary}
        </p>
      ) : null}
      {job.status === 'queued' || job.status === 'running' ? (
        <ProgressBar value={job.progress.done} max={job.progress.total} label={`Export ${job.id} progress`} />
      ) : null}
      {job.status === 'failed' ? <p className="alert alert--error">{job.error ?? 'The export failed.'}</p> : null}
      {job.status === 'succeeded' ? (
        <>
          {job.row_count !== null ? <p>{job.row_count} row{job.row_count === 1 ? '' : 's'}</p> : null}
          <ExportFiles job={job} />
        </>
      ) : null}
    </li>
  );
}

/** The campaign's exports and the form for a new one (`spec`: its questions and whether it grows trees). */
export function ExportsPanel({ slug, spec }: { slug: string; spec: ExportSpec }) {
  const exports = useCampaignExports(slug);

  return (
    <section className="card" aria-labelledby="exports-title">
      <h2 id="exports-title">Exports</h2>
      <ExportForm slug={slug} spec={spec} />
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
