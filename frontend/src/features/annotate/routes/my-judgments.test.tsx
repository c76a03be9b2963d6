import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { AnnotateCampaign, OwnJudgment, ReviseResponse, Task } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignList } from '../components/campaign-list';
import { pairwiseQ, textQ } from '../questions/fixtures';

import { MyJudgmentsRoute } from './my-judgments';
import { ReviseJudgmentRoute } from './revise-judgment';

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
        jsonResponse(200, [
          judgment(1, { latest: false }),
          judgment(2, { revision: 1, supersedes_id: 1, answers: { preference: { choice: 'A' } } }),
        ]),
    });
    renderRoute(<MyJudgmentsRoute />, { path: '/annotate/:slug/judgments', url: '/annotate/helpful/judgments' });
    const first = await screen.findByTestId('my-judgment-1');
    expect(first).toHaveTextContent('Question 1: what is 1 + 1?');
    expect(within(first).getByText('preference').nextSibling).toHaveTextContent('B');
    expect(within(first).getByText('comment').nextSibling).toHaveTextContent('Clearer.');
    const revised = screen.getByTestId('my-judgment-2');
    expect(revised).toHaveTextContent('revision 1');
    expect(within(revised).getByText('preference').nextSibling).toHaveTextContent('A');
    // Only the latest revision, the answer that counts, can be revised.
    expect(first).toHaveTextContent('replaced by a later revision');
    expect(within(first).queryByRole('link', { name: /revise/i })).toBeNull();
    expect(within(revised).getByRole('link', { name: /revise/i })).toHaveAttribute(
      'href',
      '/annotate/helpful/judgments/2/revise',
    );
    // Fewer than a page: nothing later.
    expect(screen.getByRole('button', { name: 'Later' })).toBeDisabled();
  });

  it('says so when there is nothing yet', async () => {
    mockApi({ 'GET /api/annotate/helpful/judgments?limit=100&offset=0': () => jsonResponse(200, []) });
    renderRoute(<MyJudgmentsRoute />, { path: '/annotate/:slug/judgments', url: '/annotate/helpful/judgments' });
    expect(await screen.findByText('You have not judged anything here yet.')).toBeInTheDocument();
  });
});

const LIST = 'GET /api/annotate/helpful/judgments?limit=100&offset=0';
const REVISE = 'POST /api/annotate/helpful/revise';
const SUBMIT = 'POST /api/annotate/helpful/submit';
const SKIP = 'POST /api/annotate/helpful/skip';

const task: Task = {
  assignment_id: 41,
  item_id: 11,
  expires_at: '2030-01-01T00:00:00Z',
  campaign: { slug: 'helpful', name: 'Helpfulness', guidelines: '' },
  context: [{ role: 'user', content: [{ type: 'text', text: 'Question 1: what is 1 + 1?' }] }],
  candidates: [
    { label: 'A', content: [{ type: 'text', text: 'It is 2.' }] },
    { label: 'B', content: [{ type: 'text', text: 'It is 3.' }] },
  ],
  questions: [pairwiseQ(), textQ({ id: 'comment' })],
};
const reopened: ReviseResponse = {
  task,
  progress: { my_judgments: 2, items_total: 5, items_complete: 0 },
  previous_answers: { preference: { choice: 'B', strength: null, aspects: {} }, comment: { text: 'Clearer.' } },
  revision: 1,
};

const renderList = () =>
  renderRoute(<MyJudgmentsRoute />, {
    path: '/annotate/:slug/judgments',
    url: '/annotate/helpful/judgments',
    extra: [{ path: '/annotate/:slug/judgments/:judgmentId/revise', element: <ReviseJudgmentRoute /> }],
  });

describe('revising a past judgment', () => {
  it('opens the task with the previous answers and comes back to the list with the new revision', async () => {
    const revisedRow = judgment(3, { revision: 1, supersedes_id: 1, answers: { preference: { choice: 'A' }, comment: { text: 'Clearer.' } } });
    const api = mockApi({
      [LIST]: [() => jsonResponse(200, [judgment(1), judgment(2)]), () => jsonResponse(200, [judgment(1, { latest: false }), revisedRow, judgment(2)])],
      [REVISE]: () => jsonResponse(200, reopened),
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 3, client_id: 'x', undo_until: null }),
    });
    renderList();
    const row = await screen.findByTestId('my-judgment-1');
    await userEvent.click(within(row).getByRole('link', { name: /revise/i }));

    // The task screen, on that item, its answers filled in.
    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '41');
    expect(api.calls(REVISE)[0].body).toEqual({ judgment_id: 1 });
    expect(screen.getByText(/submitting stores it as revision 1/i)).toBeInTheDocument();
    expect(screen.getByTestId('choice-B')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('text-comment')).toHaveValue('Clearer.');

    await userEvent.click(screen.getByTestId('choice-A'));
    await userEvent.click(screen.getByTestId('submit'));
    expect(await screen.findByText('Saved: your new answer is revision 1.')).toBeInTheDocument();
    expect(api.calls(SUBMIT)[0].body).toMatchObject({
      assignment_id: 41,
      answers: { preference: { choice: 'A' }, comment: { text: 'Clearer.' } },
    });
    // The list is read again: the new revision is shown, highlighted, and the old one replaced.
    const fresh = await screen.findByTestId('my-judgment-3');
    expect(fresh).toHaveAttribute('aria-current', 'true');
    expect(fresh).toHaveTextContent('revision 1');
    expect(within(fresh).getByText('preference').nextSibling).toHaveTextContent('A');
    expect(screen.getByTestId('my-judgment-1')).toHaveTextContent('replaced by a later revision');
    expect(api.calls(LIST)).toHaveLength(2);
  });

  it('"Keep my answer" closes the task again and changes nothing', async () => {
    const api = mockApi({
      [LIST]: () => jsonResponse(200, [judgment(1)]),
      [REVISE]: () => jsonResponse(200, reopened),
      [SKIP]: () => jsonResponse(204),
    });
    renderRoute(<ReviseJudgmentRoute />, {
      path: '/annotate/:slug/judgments/:judgmentId/revise',
      url: '/annotate/helpful/judgments/1/revise',
      extra: [{ path: '/annotate/:slug/judgments', element: <MyJudgmentsRoute /> }],
    });
    await screen.findByTestId('task');
    await userEvent.click(screen.getByRole('button', { name: 'Keep my answer' }));
    expect(await screen.findByText('Your answer was kept as it was.')).toBeInTheDocument();
    expect(api.calls(SKIP)[0].body).toMatchObject({ assignment_id: 41 });
    expect(api.calls(SUBMIT)).toHaveLength(0);
    await waitFor(() => expect(screen.getByTestId('my-judgment-1')).toBeInTheDocument());
  });

  it('says so when the answer was revised since, or the campaign is paused', async () => {
    mockApi({
      'POST /api/annotate/helpful/revise': [
        () => errorResponse(409, 'judgment_superseded', 'Judgment 1 was revised since', { latest_judgment_id: 3 }),
        () => errorResponse(409, 'campaign_not_active', "Campaign 'helpful' is paused: it gives out no new tasks"),
      ],
    });
    const view = renderRoute(<ReviseJudgmentRoute />, {
      path: '/annotate/:slug/judgments/:judgmentId/revise',
      url: '/annotate/helpful/judgments/1/revise',
    });
    expect(await screen.findByText(/revise its latest revision instead/i)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '← Your judgments' })).toHaveAttribute('href', '/annotate/helpful/judgments');
    expect(screen.queryByTestId('task')).toBeNull();
    view.unmount();
    renderRoute(<ReviseJudgmentRoute />, {
      path: '/annotate/:slug/judgments/:judgmentId/revise',
      url: '/annotate/helpful/judgments/1/revise',
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(/is paused/);
    expect(screen.queryByTestId('task')).toBeNull();
  });
});
