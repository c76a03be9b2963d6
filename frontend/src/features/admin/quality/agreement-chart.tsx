import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';

import type { AgreementPoint } from './api';

const COLOURS = ['#4f6bed', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

/** Krippendorff's alpha per time bucket, one line per measure (a gap where alpha is undefined). */
export function AgreementChart({ points, measures }: { points: AgreementPoint[]; measures: string[] }) {
  if (points.length === 0) return null;
  const byStart = new Map<string, Record<string, string | number | null>>();
  for (const p of points) {
    const row = byStart.get(p.start) ?? { start: p.start };
    row[p.measure] = p.alpha === null ? null : Math.round(p.alpha * 1000) / 1000;
    byStart.set(p.start, row);
  }
  const data = [...byStart.values()].sort((a, b) => String(a.start).localeCompare(String(b.start)));
  return (
    <figure className="quality-chart" aria-label="Krippendorff's alpha over time" data-testid="agreement-chart">
      <LineChart width={560} height={260} data={data} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="start" />
        <YAxis domain={[-1, 1]} allowDataOverflow />
        <Tooltip />
        <Legend />
        {measures.map((m, i) => (
          <Line key={m} type="monotone" dataKey={m} stroke={COLOURS[i % COLOURS.length]} isAnimationActive={false} connectNulls={false} />
        ))}
      </LineChart>
      <figcaption>Alpha of the units (items, candidates, pairs) whose latest judgment fell in each period; 1 is perfect agreement, 0 chance.</figcaption>
    </figure>
  );
}
