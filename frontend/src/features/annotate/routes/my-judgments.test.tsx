import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { AnnotateCampaign, OwnJudgment } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignList } from '../components/campaign-list';

import { MyJudgmentsRoute } from './my-judgments';

const judgment = (id: number, extra: Partial<OwnJudgment> = {}): OwnJudgment => ({
  id,
  client_id: `c-${id}`,
  revision: 0,
  supersedes_id: null,
  latest: true,
  campaign_version: 1,
  item_id: 10 + id,
  answers: { preference: { choice: 'B' }, comment: { text: 'Clearer.' } },
  shown_order: [1, 2],
  time_spent_ms: 1200,
  created_at: '2026-12-01T10:00:00Z',
  prompt_excerpt: `Question ${id}: what is ${id} + ${id}?`,
  ...extra,
});

const campaign: AnnotateCampaign = { slug: 'helpful', name: 'Helpfulness', kind: 'items', status: 'active', my_judgments: 2, available: 3 };

describe('my judgments', () => {
  it('is linked from the campaign list once the annotator has judged something', async () => {
    mockApi({ 'GET /api/annotate/helpful/judgments?limit=100&offset=0': () => jsonResponse(200, [judgment(1)]) });
    renderRoute(<CampaignList campaigns={[campaign, { ...campaign, slug: 'fresh', name: 'Fresh', my_judgments: 0 }]} />, {
      path: '/annotate',
      url: '/annotate',
      extra: [{ path: '/annotate/:slug/judgments', element: <MyJudgmentsRoute /> }],
    });
    expect(screen.queryByRole('link', { name: 'Your judgments in Fresh' })).toBeNull();
    await userEvent.click(screen.getByRole('link', { name: 'Your judgments in Helpfulness' }));
    expect(await screen.findByTestId('my-judgment-1')).toBeInTheDocument();
  });

  it('lists each judgment with its prompt excerpt and answers, revisions marked', async () => {
    mockApi({
      'GET /api/annotate/helpful/judgments?limit=100&offset=0': () =>
        jsonResponse(200, [judgment(1), judgment(2, { revision: 1, supersedes_id: 1, answers: { preference: { choice: 'A' } } })]),
    });
    renderRoute(<MyJudgmentsRoute />, { path: '/annotate/:slug/judgments', url: '/annotate/helpful/judgments' });
    const first = await screen.findByTestId('my-judgment-1');
    expect(first).toHaveTextContent('Question 1: what is 1 + 1?');
    expect(within(first).getByText('preference').nextSibling).toHaveTextContent('B');
    expect(within(first).getByText('comment').nextSibling).toHaveTextContent('Clearer.');
    const revised = screen.getByTestId('my-judgment-2');
    expect(revised).toHaveTextContent('revision 1');
    expect(within(revised).getByText('preference').nextSibling).toHaveTextContent('A');
    // Fewer than a page: nothing later.
    expect(screen.getByRole('button', { name: 'Later' })).toBeDisabled();
  });

  it('says so when there is nothing yet', async () => {
    mockApi({ 'GET /api/annotate/helpful/judgments?limit=100&offset=0': () => jsonResponse(200, []) });
    renderRoute(<MyJudgmentsRoute />, { path: '/annotate/:slug/judgments', url: '/annotate/helpful/judgments' });
    expect(await screen.findByText('You have not judged anything here yet.')).toBeInTheDocument();
  });
});
