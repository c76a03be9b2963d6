import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { Campaign } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignsRoute } from './campaigns';

const campaign = (slug: string, status: Campaign['status']): Campaign => ({
  id: slug.length,
  slug,
  name: `Campaign ${slug}`,
  status,
  version: 1,
  redundancy: 2,
  created_at: '2025-01-01T00:00:00Z',
  progress: { items: 0, items_complete: 0, judgments: 0, judgments_target: 0 },
});

describe('admin campaign list', () => {
  it('shows each status and lists archived campaigns only when asked to', async () => {
    const api = mockApi({
      'GET /api/campaigns': () => jsonResponse(200, { campaigns: [campaign('new', 'draft'), campaign('running', 'paused')] }),
      'GET /api/campaigns?include_archived=true': () =>
        jsonResponse(200, { campaigns: [campaign('new', 'draft'), campaign('running', 'paused'), campaign('old', 'archived')] }),
    });
    renderRoute(<CampaignsRoute />, { path: '/admin', url: '/admin' });
    expect(await screen.findByText('Campaign new')).toBeInTheDocument();
    expect(screen.getByText('draft')).toBeInTheDocument();
    expect(screen.getByText('paused')).toBeInTheDocument();
    expect(screen.queryByText('Campaign old')).not.toBeInTheDocument();

    await userEvent.click(screen.getByLabelText(/Show archived campaigns/));
    expect(await screen.findByText('Campaign old')).toBeInTheDocument();
    expect(screen.getByText('archived')).toBeInTheDocument();
    expect(api.calls('GET /api/campaigns?include_archived=true')).toHaveLength(1);
  });
});
