import { Bar, BarChart, CartesianGrid, ErrorBar, Tooltip, XAxis, YAxis } from 'recharts';

import type { ModelStanding } from './api';

const ROW_HEIGHT = 34;

/** Each model's rating (Elo-like scale) as a bar, its bootstrap 95% interval as whiskers. */
export function LeaderboardChart({ models, label }: { models: ModelStanding[]; label: string }) {
  if (models.length === 0) return null;
  const data = models.map((m) => ({
    model: m.model,
    rating: Math.round(m.rating),
    interval: [m.rating - m.rating_low, m.rating_high - m.rating],
  }));
  const low = Math.min(...models.map((m) => m.rating_low));
  const high = Math.max(...models.map((m) => m.rating_high));
  const pad = Math.max(10, (high - low) * 0.1);
  return (
    <figure className="quality-chart" aria-label={label} data-testid="leaderboard-chart">
      <BarChart
        layout="vertical"
        width={560}
        height={40 + ROW_HEIGHT * models.length}
        data={data}
        margin={{ top: 8, right: 24, bottom: 8, left: 8 }}
      >
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" domain={[Math.floor(low - pad), Math.ceil(high + pad)]} allowDataOverflow />
        <YAxis type="category" dataKey="model" width={140} />
        <Tooltip />
        <Bar dataKey="rating" fill="#4f6bed" isAnimationActive={false}>
          <ErrorBar dataKey="interval" width={6} strokeWidth={2} stroke="#1d2a6b" direction="x" />
        </Bar>
      </BarChart>
      <figcaption>Rating with bootstrap 95% interval (Bradley–Terry, Elo-like scale: 400 points = 10:1 odds).</figcaption>
    </figure>
  );
}
