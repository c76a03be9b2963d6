import { Link } from 'react-router-dom';

import type { GroupDisagreement, PairDisagreement } from './api';

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

function GroupRates({ found }: { found: PairDisagreement }) {
  return (
    <ul className="quality-rates">
      {found.groups.map((g) => (
        <li key={g.group}>
          {g.group}: {percent(g.first_win_rate)} <span className="muted">({g.judgments})</span>
        </li>
      ))}
    </ul>
  );
}

/** Where the groups disagree most: model pairs, then items with their pair, widest spread first. */
export function DisagreementList({ slug, data }: { slug: string; data: GroupDisagreement }) {
  const groups = Object.entries(data.groups);
  return (
    <div className="stack" data-testid="group-disagreement">
      <p className="muted">
        Groups by <strong>{data.group_by}</strong>: {groups.map(([g, n]) => `${g} (${n} annotators)`).join(', ') || 'none yet'}. A
        rate is how often the first model beat the second in that group (ties count half).
      </p>
      <table aria-label="Model pairs where groups disagree most">
        <thead>
          <tr>
            <th scope="col">models</th>
            <th scope="col">spread</th>
            <th scope="col">first model's win rate per group</th>
          </tr>
        </thead>
        <tbody>
          {data.pairs.map((p) => (
            <tr key={`${p.first}-${p.second}`}>
              <td>
                {p.first} vs {p.second}
              </td>
              <td>{percent(p.spread)}</td>
              <td>
                <GroupRates found={p} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.pairs.length === 0 ? <p className="muted">No model pair was judged by two groups yet.</p> : null}
      <table aria-label="Items where groups disagree most">
        <thead>
          <tr>
            <th scope="col">item</th>
            <th scope="col">models</th>
            <th scope="col">spread</th>
            <th scope="col">first model's win rate per group</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((item) => (
            <tr key={`${item.item_id}-${item.first}-${item.second}`}>
              <td>
                <Link to={`/admin/campaigns/${slug}/data/items/${item.item_id}`}>{item.external_id}</Link>
              </td>
              <td>
                {item.first} vs {item.second}
              </td>
              <td>{percent(item.spread)}</td>
              <td>
                <GroupRates found={item} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
