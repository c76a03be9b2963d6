import { Link } from 'react-router-dom';

import type { Campaign } from '@/lib/api-types';

import { formatDate } from '../utils/format';

import { ProgressBar } from './progress-bar';
import { StatusBadge } from './status-badge';

export function CampaignsTable({ campaigns }: { campaigns: Campaign[] }) {
  if (campaigns.length === 0) {
    return <p className="muted">No campaigns yet. Create one to start collecting judgments.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Status</th>
            <th scope="col">K</th>
            <th scope="col">Items complete</th>
            <th scope="col">Judgments</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr key={c.id}>
              <td>
                <Link to={`/admin/campaigns/${encodeURIComponent(c.slug)}`}>{c.name}</Link>
                <div className="muted mono">{c.slug}</div>
              </td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{c.redundancy}</td>
              <td>
                <ProgressBar value={c.progress.items_complete} max={c.progress.items} label={`${c.name}: items complete`} />
              </td>
              <td>
                <ProgressBar value={c.progress.judgments} max={c.progress.judgments_target} label={`${c.name}: judgments`} />
              </td>
              <td>{formatDate(c.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
