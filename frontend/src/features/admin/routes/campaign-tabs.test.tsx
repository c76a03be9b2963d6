import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { exportFormats } from '../testing/export-formats';
import { demoSpec } from '../testing/spec-versions';
import { CampaignRoute } from './campaign';

const campaign: CampaignDetail = {
  id: 1,
  slug: 'demo',
  name: 'Demo campaign',
  status: 'active',
  version: 1,
  redundancy: 3,
  created_at: '2025-01-01T00:00:00Z',
  progress: { items: 10, items_complete: 4, judgments: 15, judgments_target: 30 },
  contents: { items: 10, judgments: 15, trees: 0, exports: 0 },
  transitions: ['paused', 'closed'],
  deletable: false,
  spec: demoSpec,
};

const QUALITY = '/api/campaigns/demo/quality';
const routes = {
  'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
  'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
  'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
  'GET /api/campaigns/demo/generation-jobs': () => jsonResponse(200, { jobs: [] }),
  'GET /api/models': () => jsonResponse(200, { models: [] }),
  [`GET ${QUALITY}/progress`]: () =>
    jsonResponse(200, {
      bucket: 'hour',
      items: 10,
      items_complete: 4,
      judgments: 15,
      judgments_target: 30,
      median_seconds: 5.12,
      gold_judged: 0,
      gold_accuracy: null,
      throughput: { judgments_last_hour: 2, judgments_per_hour_last_day: 0.63, annotators_last_hour: 1, annotators_last_day: 4 },
      timeline: [],
    }),
  [`GET ${QUALITY}/leaderboard`]: () =>
    jsonResponse(200, {
      question: 'preference',
      round: null,
      rounds: [],
      group_by: null,
      simulated: 'none',
      overall: { judgments: 0, models: [], matrix: [] },
      groups: [],
    }),
  [`GET ${QUALITY}/annotators`]: () => jsonResponse(200, { grouping: 'viewpoints', computed_at: '2026-12-07T03:00:00Z', rules: [], annotators: [] }),
  [`GET ${QUALITY}/agreement`]: () =>
    jsonResponse(200, { group_by: null, bucket: 'day', simulated: 'none', judgments: 0, measures: [], timeline: [], groups: [] }),
};

const render = (url: string) => renderRoute(<CampaignRoute />, { path: '/admin/campaigns/:slug', url });

describe('campaign page tabs', () => {
  it('opens on the campaign tab and shows the Quality tab, with its sub-sections, when chosen', async () => {
    const api = mockApi(routes);
    render('/admin/campaigns/demo');
    const campaignTab = await screen.findByRole('tab', { name: 'Campaign' });
    expect(campaignTab).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('progressbar', { name: 'Judgments' })).toBeInTheDocument();
    // The quality charts are not loaded until the tab is opened.
    expect(api.calls(`GET ${QUALITY}/progress`)).toHaveLength(0);

    await userEvent.click(screen.getByRole('tab', { name: 'Quality' }));
    expect(screen.getByRole('tab', { name: 'Quality' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('progress-judgments', {}, { timeout: 10_000 })).toHaveTextContent('15 of 30 (50%)');
    expect(screen.queryByRole('progressbar', { name: 'Judgments' })).toBeNull();
    for (const name of ['Overview', 'Leaderboard', 'Agreement', 'Annotators', 'Group disagreement']) {
      expect(screen.getByRole('link', { name })).toBeInTheDocument();
    }

    await userEvent.click(screen.getByRole('tab', { name: 'Campaign' }));
    await waitFor(() => expect(screen.queryByTestId('quality-section')).toBeNull());
  }, 20_000);

  it('opens the Quality tab straight from a ?tab=quality link', async () => {
    mockApi(routes);
    render('/admin/campaigns/demo?tab=quality');
    expect(await screen.findByTestId('quality-section', {}, { timeout: 10_000 })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Quality' })).toHaveAttribute('aria-selected', 'true');
  }, 20_000);
});
