import type { ModelStanding, WinRateCell } from './api';

const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? '' : `${Math.round(rate * 100)}%`);

/** Red below 50 %, blue above, paler near even. */
const shade = (rate: number) => {
  const strength = Math.min(1, Math.abs(rate - 0.5) * 2);
  const alpha = (0.12 + 0.5 * strength).toFixed(2);
  return rate >= 0.5 ? `rgba(79, 107, 237, ${alpha})` : `rgba(220, 80, 60, ${alpha})`;
};

/** How often the row model beat the column model (ties half), best model first. */
export function WinRateMatrix({ models, matrix }: { models: ModelStanding[]; matrix: WinRateCell[] }) {
  if (models.length === 0) return null;
  const cells = new Map(matrix.map((c) => [`${c.model}\u0000${c.opponent}`, c]));
  const names = models.map((m) => m.model);
  return (
    <div className="quality-scroll">
      <table className="win-rate-matrix" aria-label="Win rate of the row model against the column model">
        <thead>
          <tr>
            <th scope="col">row beats column</th>
            {names.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((row) => (
            <tr key={row}>
              <th scope="row">{row}</th>
              {names.map((column) => {
                const cell = row === column ? undefined : cells.get(`${row}\u0000${column}`);
                const rate = cell?.win_rate;
                const n = cell ? cell.wins + cell.losses + cell.ties : 0;
                return (
                  <td
                    key={column}
                    style={rate === null || rate === undefined ? undefined : { background: shade(rate) }}
                    title={cell ? `${cell.wins} wins, ${cell.losses} losses, ${cell.ties} ties, ${cell.both_bad} both bad` : undefined}
                  >
                    {row === column ? '—' : cell ? `${percent(rate)} (${n})` : ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
