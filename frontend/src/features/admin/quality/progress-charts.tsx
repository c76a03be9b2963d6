import { Area, AreaChart, Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';

import type { ProgressPoint, QualityProgress } from './progress-api';

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { top: 8, right: 24, bottom: 8, left: 8 };

/** A bucket's start (UTC ISO) as the axis shows it: "12-07 14h" per hour, "2026-12-07" per day. */
const tick = (bucket: QualityProgress['bucket']) => (start: unknown) => {
  const at = String(start);
  return bucket === 'hour' ? `${at.slice(5, 10)} ${at.slice(11, 13)}h` : at.slice(0, 10);
};

/** Judgments so far against the campaign's target (items × redundancy). */
export function CumulativeChart({ progress }: { progress: QualityProgress }) {
  const data = progress.timeline.map((p) => ({ start: p.start, judgments: p.cumulative }));
  // The curve starts from zero a bucket before the first judgment (an area needs two points).
  if (data.length > 0) {
    const step = progress.bucket === 'hour' ? 3_600_000 : 86_400_000;
    data.unshift({ start: new Date(Date.parse(data[0].start) - step).toISOString(), judgments: 0 });
  }
  const top = Math.max(progress.judgments_target, progress.judgments);
  return (
    <figure className="quality-chart" aria-label="Judgments over time against the target" data-testid="progress-chart">
      <AreaChart width={WIDTH} height={HEIGHT} data={data} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="start" tickFormatter={tick(progress.bucket)} />
        <YAxis domain={[0, top]} allowDecimals={false} />
        <Tooltip labelFormatter={tick(progress.bucket)} />
        <ReferenceLine y={progress.judgments_target} stroke="#d9480f" strokeDasharray="6 3" label="target" />
        <Area type="stepAfter" dataKey="judgments" stroke="#4f6bed" fill="#c5cffa" isAnimationActive={false} />
      </AreaChart>
      <figcaption>
        Judgments so far (first submissions) per {progress.bucket}, against the target of {progress.judgments_target} (items × redundancy).
      </figcaption>
    </figure>
  );
}

/** Judgments made in each hour or day. */
export function ThroughputChart({ progress }: { progress: QualityProgress }) {
  return (
    <figure className="quality-chart" aria-label={`Judgments per ${progress.bucket}`} data-testid="throughput-chart">
      <BarChart width={WIDTH} height={HEIGHT} data={progress.timeline} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="start" tickFormatter={tick(progress.bucket)} />
        <YAxis allowDecimals={false} />
        <Tooltip labelFormatter={tick(progress.bucket)} />
        <Bar dataKey="judgments" fill="#2b8a3e" isAnimationActive={false} />
      </BarChart>
      <figcaption>Judgments made in each {progress.bucket} (UTC).</figcaption>
    </figure>
  );
}

/** Mean gold score per bucket; a gap where no gold item was judged. */
export function GoldChart({ progress }: { progress: QualityProgress }) {
  const data = progress.timeline.map((p: ProgressPoint) => ({
    start: p.start,
    accuracy: p.gold_accuracy === null ? null : Math.round(p.gold_accuracy * 1000) / 10,
  }));
  return (
    <figure className="quality-chart" aria-label="Gold accuracy over time" data-testid="gold-chart">
      <LineChart width={WIDTH} height={HEIGHT} data={data} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="start" tickFormatter={tick(progress.bucket)} />
        <YAxis domain={[0, 100]} unit="%" />
        <Tooltip labelFormatter={tick(progress.bucket)} />
        <Line type="monotone" dataKey="accuracy" stroke="#862e9c" isAnimationActive={false} connectNulls={false} />
      </LineChart>
      <figcaption>Mean score of the gold items judged in each {progress.bucket}.</figcaption>
    </figure>
  );
}
