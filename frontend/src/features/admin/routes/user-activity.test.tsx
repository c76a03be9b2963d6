import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { UserActivity } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import AdminApp from '../index';
import type { Viewer } from '../utils/viewer';

const admin: Viewer = { role: 'admin', email: 'boss@example.org' };
const ann = { id: 7, email: 'ann@example.org', display_name: 'Ann', role: 'annotator' as const, is_active: true };

const activity: UserActivity = {
  user: ann,
  groups: ['experts', 'night-shift'],
  judgments: 4,
  last_seen_at: '2026-12-06T10:00:00Z',
  campaigns: [
    {
      slug: 'helpful',
      name: 'Helpfulness',
      judgments: 3,
      revisions: 1,
      median_time_ms: 4200,
      first_judgment_at: '2026-12-01T09:00:00Z',
      last_judgment_at: '2026-12-05T09:00:00Z',
    },
  ],
};

const renderAdmin = (url: string) => renderRoute(<AdminApp viewer={admin} />, { path: '/admin/*', url });

describe('user activity page', () => {
  it('opens from the Users page and shows campaigns, counts, median time, groups and last seen', async () => {
    mockApi({
      'GET /api/users?limit=50&offset=0': () =>
        jsonResponse(200, { users: [{ ...ann, created_at: '2026-11-01T00:00:00Z' }], total: 1, limit: 50, offset: 0 }),
      'GET /api/users/7/activity': () => jsonResponse(200, activity),
    });
    renderAdmin('/admin/users');
    await userEvent.click(await screen.findByRole('link', { name: 'Activity of ann@example.org' }));

    expect(await screen.findByRole('heading', { name: 'ann@example.org' })).toBeInTheDocument();
    expect(screen.getByText('experts, night-shift')).toBeInTheDocument();
    expect(screen.getByText(new Date('2026-12-06T10:00:00Z').toLocaleString())).toBeInTheDocument();
    const row = screen.getByTestId('activity-helpful');
    expect(within(row).getAllByRole('cell').map((c) => c.textContent).slice(0, 4)).toEqual(['Helpfulness', '3', '1', '4.2 s']);
    expect(within(row).getByRole('link', { name: 'Helpfulness' })).toHaveAttribute('href', '/admin/campaigns/helpful');
  });

  it("shows the server's refusal", async () => {
    mockApi({ 'GET /api/users/9/activity': () => errorResponse(404, 'not_found', 'No user 9') });
    renderAdmin('/admin/users/9');
    expect(await screen.findByRole('alert')).toHaveTextContent('No user 9');
  });
});
