import { Link, useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import type { UserActivity } from '@/lib/api-types';

import { useUserActivity } from '../api/get-user-activity';
import { DataTable } from '../components/data-table';
import { RequestError } from '../components/request-error';
import { ROLE_LABELS } from '../components/users-table';
import { formatDate } from '../utils/format';

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

function ActivityView({ activity }: { activity: UserActivity }) {
  const { user } = activity;
  return (
    <div className="stack">
      <dl className="summary">
        <dt>Role</dt>
        <dd>{ROLE_LABELS[user.role] ?? user.role}</dd>
        <dt>Status</dt>
        <dd>{user.is_active ? 'active' : 'deactivated'}</dd>
        <dt>Groups</dt>
        <dd>{activity.groups.length > 0 ? activity.groups.join(', ') : '—'}</dd>
        <dt>Judgments</dt>
        <dd>{activity.judgments}</dd>
        <dt>Last seen</dt>
        <dd>{activity.last_seen_at ? formatDate(activity.last_seen_at) : 'never'}</dd>
      </dl>
      {activity.campaigns.length > 0 ? (
        <DataTable label="Campaigns" headings={['Campaign', 'Judgments', 'Revisions', 'Median time', 'First', 'Last']}>
          {activity.campaigns.map((c) => (
            <tr key={c.slug} data-testid={`activity-${c.slug}`}>
              <td>
                <Link to={`/admin/campaigns/${c.slug}`}>{c.name}</Link>
              </td>
              <td>{c.judgments}</td>
              <td>{c.revisions}</td>
              <td>{seconds(c.median_time_ms)}</td>
              <td>{formatDate(c.first_judgment_at)}</td>
              <td>{formatDate(c.last_judgment_at)}</td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <p className="muted">No judgments yet.</p>
      )}
    </div>
  );
}

/** One user's work: campaigns, judgments, time per judgment, groups, last seen. */
export function UserActivityRoute() {
  const userId = Number(useParams().userId);
  const activity = useUserActivity(userId);
  const user = activity.data?.user;
  return (
    <main className="page page--wide">
      <p>
        <Link to="/admin/users">← Users</Link>
      </p>
      <div className="page__head">
        <h1>{user ? (user.email ?? `Crowd participant #${user.id}`) : 'User'}</h1>
      </div>
      {activity.isPending ? <Loading label="Loading activity…" /> : null}
      {activity.error ? <RequestError error={activity.error} /> : null}
      {activity.data ? <ActivityView activity={activity.data} /> : null}
    </main>
  );
}
