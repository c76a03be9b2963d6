import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';

import type { DayVolume } from '@/lib/api-types';

// The figure's frame (scrolls sideways on a narrow screen), shared with the quality charts.
import '../quality/quality.css';

/** Events and conversations per UTC day (Recharts: this module loads only with a source's page). */
export default function VolumeChart({ volume }: { volume: DayVolume[] }) {
  return (
    <BarChart width={640} height={240} data={volume} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} minTickGap={16} />
      <YAxis allowDecimals={false} />
      <Tooltip />
      <Legend />
      <Bar dataKey="events" name="Events" fill="#4f6bed" isAnimationActive={false} />
      <Bar dataKey="conversations" name="Conversations" fill="#2b8a3e" isAnimationActive={false} />
    </BarChart>
  );
}
