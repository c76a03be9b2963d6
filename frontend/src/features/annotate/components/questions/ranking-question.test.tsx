import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { NextTaskResponse, SubmitJudgmentBody, Task } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { candidates, rankingQ } from '../../questions/fixtures';
import { TaskRoute } from '../../routes/task';
import { TaskView } from '../task-view';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';

function makeTask(labels: string[], question = rankingQ()): Task {
  return {
    assignment_id: 1,
    item_id: 101,
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '' },
    context: [{ role: 'user', content: [{ type: 'text', text: 'Say hi.' }] }],
    candidates: candidates(labels),
    questions: [question],
  };
}

const progress = { my_judgments: 0, items_total: 5, items_complete: 0 };
const next = (task: Task | null) => () => jsonResponse(200, { task, progress } satisfies NextTaskResponse);
const saved = () => jsonResponse(200, { judgment_id: 7, client_id: 'x', undo_until: null });

function renderRanking(labels: string[], question = rankingQ()) {
  const api = mockApi({ [NEXT]: [next(makeTask(labels, question)), next(null)], [SUBMIT]: saved });
  renderRoute(<TaskRoute />, { path: '/annotate/:slug', url: '/annotate/demo' });
  return api;
}

const placed = () => screen.queryAllByTestId(/^rank-item-/).map((el) => el.dataset.testid!.slice(-1));
const unplaced = () => screen.queryAllByTestId(/^rank-pool-[A-Z]$/).map((el) => el.dataset.testid!.slice(-1));
const sentRanking = async (api: ReturnType<typeof mockApi>) => {
  await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(1));
  return (api.calls(SUBMIT)[0].body as SubmitJudgmentBody).answers.ranking;
};

describe('ranking question: nothing ranked until the annotator ranks', () => {
  it('starts unranked with Submit disabled and says why; Enter does not submit the shown order', async () => {
    const api = renderRanking(['A', 'B', 'C']);
    await screen.findByTestId('rank-pool-A');
    expect(placed()).toEqual([]);
    expect(unplaced()).toEqual(['A', 'B', 'C']);
    expect(screen.getByTestId('rank-progress-ranking')).toHaveTextContent('Nothing ranked yet (0 of 3). Place each response, or keep the order shown.');
    const submit = screen.getByTestId('submit');
    expect(submit).toBeDisabled();
    // The reason is visible and is the button's accessible description.
    expect(submit).toHaveAccessibleDescription(/still needed: Rank the responses, best first\./);
    screen.getByTestId('rank-pool-A').blur();
    await userEvent.keyboard('{Enter}');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    expect(screen.getByTestId('issue-ranking')).toHaveTextContent('Rank the responses, or keep the order shown');
  });

  it('ranks with the keyboard alone (Enter ranks next, digits pick the position, Delete unranks) and sends that order', async () => {
    const api = renderRanking(['A', 'B', 'C', 'D']);
    (await screen.findByTestId('rank-pool-C')).focus();
    await userEvent.keyboard('{Enter}');
    expect(placed()).toEqual(['C']);
    expect(screen.getByTestId('rank-progress-ranking')).toHaveTextContent('Ranked 1 of 4. Place the rest, or keep the order shown for them.');
    // The focus stays in the unranked list, on the response after the one just placed.
    expect(screen.getByTestId('rank-pool-D')).toHaveFocus();
    expect(screen.getByTestId('rank-announce-ranking')).toHaveTextContent('Response C is now at position 1 of 4, rank 1. 3 left to rank.');
    await userEvent.keyboard('1');
    expect(placed()).toEqual(['D', 'C']);
    expect(screen.getByTestId('rank-pool-B')).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByTestId('submit')).toBeDisabled();
    expect(screen.getByTestId('rank-pool-A')).toHaveFocus();
    await userEvent.keyboard('2');
    expect(placed()).toEqual(['D', 'A', 'C', 'B']);
    expect(screen.getByTestId('rank-item-A')).toHaveFocus();
    expect(screen.getByTestId('submit')).toBeEnabled();
    expect(screen.getByTestId('rank-progress-ranking')).toHaveTextContent('All 4 responses ranked.');

    // Delete takes it out again (Submit waits), a digit on a ranked entry moves it.
    await userEvent.keyboard('{Delete}');
    expect(placed()).toEqual(['D', 'C', 'B']);
    expect(unplaced()).toEqual(['A']);
    expect(screen.getByTestId('submit')).toBeDisabled();
    expect(screen.getByTestId('rank-item-C')).toHaveFocus();
    await userEvent.keyboard('3');
    expect(placed()).toEqual(['D', 'B', 'C']);
    screen.getByTestId('rank-pool-A').focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByTestId('rank-item-A')).toHaveFocus();
    await userEvent.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(placed()).toEqual(['D', 'B', 'A', 'C']);
    await userEvent.keyboard('{Enter}');
    expect(await sentRanking(api)).toEqual({ ranking: [['D'], ['B'], ['A'], ['C']], none_acceptable: false });
  });

  it('sends the shown order only after "Keep this order", and "the rest as shown" after what was ranked', async () => {
    const api = renderRanking(['A', 'B', 'C']);
    await userEvent.click(await screen.findByTestId('rank-next-C'));
    expect(screen.getByTestId('rank-keep-ranking')).toHaveTextContent('Rank the rest in the order shown');
    await userEvent.click(screen.getByTestId('rank-clear-ranking'));
    expect(placed()).toEqual([]);
    expect(screen.getByTestId('submit')).toBeDisabled();
    const keep = screen.getByTestId('rank-keep-ranking');
    expect(keep).toHaveTextContent('Keep this order');
    await userEvent.click(keep);
    expect(placed()).toEqual(['A', 'B', 'C']);
    expect(screen.getByTestId('rank-announce-ranking')).toHaveTextContent('The order shown is kept as your ranking.');
    await userEvent.click(screen.getByTestId('submit'));
    expect(await sentRanking(api)).toEqual({ ranking: [['A'], ['B'], ['C']], none_acceptable: false });
  });

  it('keeps the rest in the order shown below the ones ranked, with the Unrank button', async () => {
    const api = renderRanking(['A', 'B', 'C']);
    await userEvent.click(await screen.findByTestId('rank-next-B'));
    await userEvent.click(screen.getByTestId('rank-next-C'));
    await userEvent.click(screen.getByTestId('rank-remove-B'));
    expect(placed()).toEqual(['C']);
    expect(unplaced()).toEqual(['A', 'B']);
    await userEvent.click(screen.getByTestId('rank-keep-ranking'));
    await userEvent.click(screen.getByTestId('submit'));
    expect(await sentRanking(api)).toEqual({ ranking: [['C'], ['A'], ['B']], none_acceptable: false });
  });

  it('in the builder preview too, Submit waits for a ranking', async () => {
    mockApi({});
    const onPreviewSubmit = vi.fn();
    renderRoute(
      <TaskView task={makeTask(['A', 'B'])} progress={progress} busy={false} onFinished={() => {}} onPreviewSubmit={onPreviewSubmit} />,
      { path: '/', url: '/' },
    );
    expect(screen.getByTestId('submit')).toBeDisabled();
    screen.getByTestId('rank-pool-B').focus();
    await userEvent.keyboard('{Enter}');
    await userEvent.click(screen.getByTestId('rank-next-A'));
    await userEvent.click(screen.getByTestId('submit'));
    expect(onPreviewSubmit).toHaveBeenCalledTimes(1);
    expect(onPreviewSubmit.mock.calls[0][0].answers).toEqual({ ranking: { ranking: [['B'], ['A']], none_acceptable: false } });
  });
});
