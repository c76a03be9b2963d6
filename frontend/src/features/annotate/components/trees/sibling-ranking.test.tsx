import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { TreeNextResponse, TreeTask } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import TreeTaskRoute from '../../routes/tree-task';

const NEXT = 'GET /api/annotate/demo-trees/tree-tasks/next';
const SUBMIT = 'POST /api/annotate/demo-trees/tree-tasks/6/submit';

const text = (t: string) => [{ type: 'text' as const, text: t }];

const rankTask: TreeTask = {
  id: 6,
  kind: 'rank',
  expires_at: '2030-01-01T00:00:00Z',
  campaign: { slug: 'demo-trees', name: 'Demo trees', guidelines: '' },
  conversation: [{ id: 1, role: 'prompter', content: text('How do I boil an egg?'), mine: false }],
  replies: [
    { id: 11, label: 'A', content: text('Six minutes.') },
    { id: 12, label: 'B', content: text('About six to seven minutes for a soft yolk.') },
    { id: 13, label: 'C', content: text('Ten minutes.') },
  ],
  questions: [],
  guidance: { min_length: 1, max_length: 100 },
  lang: 'en',
};

function renderRankTask() {
  const api = mockApi({
    [NEXT]: [() => jsonResponse(200, { task: rankTask } satisfies TreeNextResponse), () => jsonResponse(200, { task: null })],
    [SUBMIT]: () => jsonResponse(200, { task_id: 6, status: 'done', tree_id: 1, tree_state: 'ranking', message_id: null }),
  });
  renderRoute(<TreeTaskRoute />, { path: '/annotate/:slug/trees', url: '/annotate/demo-trees/trees' });
  return api;
}

const sentRanking = async (api: ReturnType<typeof mockApi>) => {
  await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(1));
  return (api.calls(SUBMIT)[0].body as { answer: unknown }).answer;
};

describe('tree sibling ranking: nothing ranked until the annotator ranks', () => {
  it('starts unranked: Submit is disabled with its reason, and Enter sends nothing', async () => {
    const api = renderRankTask();
    await screen.findByTestId('rank-pool-A');
    expect(screen.queryAllByTestId(/^rank-item-/)).toHaveLength(0);
    const submit = screen.getByTestId('tree-submit');
    expect(submit).toBeDisabled();
    expect(submit).toHaveAccessibleDescription('Rank the responses, or keep the order shown.');
    await userEvent.keyboard('{Enter}');
    expect(api.calls(SUBMIT)).toHaveLength(0);
  });

  it('ranks by number keys and a click, and sends the message ids in the annotator’s order', async () => {
    const api = renderRankTask();
    (await screen.findByTestId('rank-pool-C')).focus();
    await userEvent.keyboard('1');
    expect(screen.getByTestId('tree-submit-status')).toHaveTextContent('Rank every response (2 of 3 not ranked yet)');
    screen.getByTestId('rank-pool-A').focus();
    await userEvent.keyboard('1');
    expect(screen.getByTestId('rank-item-A')).toHaveAttribute('data-rank', '1');
    expect(screen.getByTestId('rank-item-C')).toHaveAttribute('data-rank', '2');
    expect(screen.getByTestId('tree-submit')).toBeDisabled();
    await userEvent.click(screen.getByTestId('rank-next-B'));
    expect(screen.getByTestId('tree-submit-status')).toHaveTextContent('Ready to submit.');
    await userEvent.click(screen.getByTestId('tree-submit'));
    expect(await sentRanking(api)).toEqual({ kind: 'rank', ranking: [[11], [13], [12]] });
  });

  it('sends the order shown only once the annotator keeps it', async () => {
    const api = renderRankTask();
    await userEvent.click(await screen.findByTestId('rank-keep-rank'));
    expect(screen.getByTestId('rank-item-A')).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(await sentRanking(api)).toEqual({ kind: 'rank', ranking: [[11], [12], [13]] });
  });
});
