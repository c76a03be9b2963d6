import { Link, useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';

import { useFeedbackSource } from '../api/get-feedback-source';
import { RequestError } from '../components/request-error';
import { ErasureForm } from '../feedback/erasure-form';
import { IngestKeysPanel } from '../feedback/ingest-keys-panel';
import { SourceSettingsForm } from '../feedback/source-settings-form';
import { SourceStatsPanel } from '../feedback/source-stats-panel';
import { countOf, formatDate } from '../utils/format';

/** One feedback source: its activity and signals, ingestion keys, settings and erasure. */
export function FeedbackSourceRoute() {
  const { slug = '' } = useParams();
  const source = useFeedbackSource(slug);
  return (
    <main className="page page--wide">
      <Link to="/admin/feedback-sources" className="back-link">
        ← Feedback sources
      </Link>
      <h1>{source.data?.name ?? slug}</h1>
      {source.isPending ? <Loading /> : null}
      {source.error ? <RequestError error={source.error} /> : null}
      {source.data ? (
        <>
          <p className="muted" data-testid="source-summary">
            <span className="mono">{source.data.slug}</span> · {countOf(source.data.conversations, 'conversation')} ·{' '}
            {countOf(source.data.events, 'event')} · created {formatDate(source.data.created_at)}
          </p>
          <div className="admin-grid">
            <div className="admin-grid__full">
              <SourceStatsPanel slug={slug} />
            </div>
            <IngestKeysPanel slug={slug} />
            <ErasureForm slug={slug} />
            <div className="admin-grid__full">
              {/* Keyed by slug: the form starts from the stored settings of the source shown. */}
              <SourceSettingsForm key={source.data.slug} source={source.data} />
            </div>
          </div>
        </>
      ) : null}
    </main>
  );
}
