import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { CumulativeChart, GoldChart, ThroughputChart } from './progress-charts';
import { useProgress, type QualityProgress } from './progress-api';

const percent = (value: number | null) => (value === null ? '–' : `${Math.round(value * 100)}%`);

/** The numbers at the top of the Overview, each with a test id the browser test reads. */
function ProgressFigures({ progress }: { progress: QualityProgress }) {
  const t = progress.throughput;
  const figures: [string, string, string][] = [
    ['items-complete', 'Items complete', `${progress.items_complete} of ${progress.items}`],
    [
      'judgments',
      'Judgments',
      `${progress.judgments} of ${progress.judgments_target}` +
        (progress.judgments_target ? ` (${percent(progress.judgments / progress.judgments_target)})` : ''),
    ],
    ['judgments-last-hour', 'Judgments in the last hour', String(t.judgments_last_hour)],
    ['judgments-per-hour', 'Judgments per hour, last day', String(t.judgments_per_hour_last_day)],
    ['annotators-active', 'Annotators active (hour / day)', `${t.annotators_last_hour} / ${t.annotators_last_day}`],
    ['median-seconds', 'Median seconds per judgment', progress.median_seconds === null ? '–' : String(progress.median_seconds)],
    ['gold-accuracy', 'Gold accuracy', progress.gold_judged ? `${percent(progress.gold_accuracy)} of ${progress.gold_judged}` : 'no gold judged'],
  ];
  return (
    <dl className="quality-figures">
      {figures.map(([id, label, value]) => (
        <div key={id}>
          <dt>{label}</dt>
          <dd data-testid={`progress-${id}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Progress over time, throughput and gold accuracy: how collection is going. */
export function OverviewPanel({ slug }: { slug: string }) {
  const progress = useProgress(slug);
  const data = progress.data;
  return (
    <div className="stack" data-testid="overview-panel">
      {progress.error ? <ErrorMessage error={progress.error} /> : null}
      {progress.isPending ? <Loading /> : null}
      {data ? (
        <>
          <ProgressFigures progress={data} />
          {data.timeline.length === 0 ? (
            <p className="muted">No judgments yet: the charts start with the first one.</p>
          ) : (
            <div className="quality-charts">
              <CumulativeChart progress={data} />
              <ThroughputChart progress={data} />
              {data.gold_judged ? <GoldChart progress={data} /> : null}
            </div>
          )}
        </>
      ) : null}
    </div>
  );
}
