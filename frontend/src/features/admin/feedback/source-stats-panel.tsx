import { lazy, Suspense } from 'react';

import { Loading } from '@/components/ui/spinner';
import type { FeedbackSourceStats } from '@/lib/api-types';

import { useFeedbackSourceStats } from '../api/get-feedback-source-stats';
import { DataTable } from '../components/data-table';
import { RequestError } from '../components/request-error';
import { countOf } from '../utils/format';

import { dailyVolume } from './volume';

const VolumeChart = lazy(() => import('./volume-chart'));

export const STATS_DAYS = 30;

const SIGNAL_HEADINGS = ['Signal', 'Kind', 'Rows', 'Mean confidence', 'Verified', 'Agreement'];

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

function VolumeFigure({ stats }: { stats: FeedbackSourceStats }) {
  const volume = dailyVolume(stats.volume, stats.days);
  const events = volume.reduce((sum, v) => sum + v.events, 0);
  return (
    <figure className="quality-chart" aria-label="Volume over time" data-testid="volume-chart" data-events={events}>
      <Suspense fallback={<Loading label="Loading the chart…" />}>
        <VolumeChart volume={volume} />
      </Suspense>
      <figcaption>
        {countOf(events, 'event')} received in the last {stats.days} days (UTC), and the conversations they belong to, per day.
      </figcaption>
    </figure>
  );
}

function EventTypes({ counts }: { counts: FeedbackSourceStats['event_types'] }) {
  const types = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  if (types.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <DataTable label="Events by type" headings={['Type', 'Events']}>
      {types.map(([type, n]) => (
        <tr key={type} data-testid={`event-type-${type}`}>
          <td className="mono">{type}</td>
          <td>{n.toLocaleString()}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function SignalsTable({ signals }: { signals: FeedbackSourceStats['signals'] }) {
  if (signals.length === 0) return <p className="muted">No derived rows yet.</p>;
  return (
    <DataTable label="Signals" headings={SIGNAL_HEADINGS}>
      {signals.map((s) => (
        <tr key={`${s.signal}-${s.kind}`} data-testid={`signal-row-${s.signal}-${s.kind}`}>
          <td className="mono">{s.signal}</td>
          <td>{s.kind}</td>
          <td>{s.rows.toLocaleString()}</td>
          <td>{s.mean_confidence.toFixed(2)}</td>
          <td>{s.verified.toLocaleString()}</td>
          {/* Null until a verification judgment has gone either way on this signal's rows. */}
          <td>{s.agreement === null ? '—' : `${percent(s.agreement)} (${s.confirmed} of ${s.confirmed + s.overturned})`}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** What a source has received and what it has become: volume, events by type, signals. */
export function SourceStatsPanel({ slug }: { slug: string }) {
  const stats = useFeedbackSourceStats(slug, STATS_DAYS);
  return (
    <section className="card stack" aria-labelledby="source-stats-title">
      <h2 id="source-stats-title">Activity</h2>
      {stats.isPending ? <Loading label="Loading activity…" /> : null}
      {stats.error ? <RequestError error={stats.error} /> : null}
      {stats.data ? (
        <>
          <VolumeFigure stats={stats.data} />
          <p data-testid="pending-conversations">
            {stats.data.pending_conversations === 0
              ? 'Every conversation has been derived.'
              : `${countOf(stats.data.pending_conversations, 'conversation')} waiting for derivation (the workers catch up).`}
          </p>
          <h3>Events by type</h3>
          <EventTypes counts={stats.data.event_types} />
          <h3>Signals</h3>
          <p className="muted">
            Rows derived from each signal, and how often people’s judgments in a verification campaign went the signal’s way (ties count in neither).
          </p>
          <SignalsTable signals={stats.data.signals} />
        </>
      ) : null}
    </section>
  );
}
