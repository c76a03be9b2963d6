import type { ModelStanding } from './api';

const rating = (value: number) => Math.round(value).toString();

/** The standings as numbers: rank (shared while intervals overlap), rating, interval, win rate. */
export function StandingsTable({ models, label }: { models: ModelStanding[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">rank</th>
          <th scope="col">model</th>
          <th scope="col">rating</th>
          <th scope="col">95% interval</th>
          <th scope="col">win rate</th>
          <th scope="col">judgments</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.model}>
            <td>{m.rank}</td>
            <td>{m.model}</td>
            <td>{rating(m.rating)}</td>
            <td>
              {rating(m.rating_low)} – {rating(m.rating_high)}
            </td>
            <td>{m.win_rate === null ? '—' : `${Math.round(m.win_rate * 100)}%`}</td>
            <td>{m.judgments}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
