import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { NextTaskResponse, Question, Task } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import {
  binaryQ,
  candidates,
  labelsQ,
  negativeQ,
  pairwiseQ,
  rankingQ,
  ratingQ,
  textQ,
} from '../questions/fixtures';

import { TaskRoute } from './task';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';
const REPORT = 'POST /api/annotate/demo/report';
const UNDO = 'POST /api/annotate/demo/undo';

function makeTask(assignmentId: number, questions: Question[], labels = ['A', 'B']): Task {
  return {
    assignment_id: assignmentId,
    item_id: 100 + assignmentId,
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '' },
    context: [{ role: 'user', content: [{ type: 'text', text: 'Say hi.' }] }],
    candidates: candidates(labels),
    questions,
  };
}

const progress = { my_judgments: 0, items_total: 5, items_complete: 0 };
const next = (task: Task | null) => () => jsonResponse(200, { task, progress } satisfies NextTaskResponse);
const ok = (extra: Record<string, unknown> = {}) => () =>
  jsonResponse(200, { judgment_id: 7, client_id: 'x', undo_until: null, ...extra });

const renderTask = () => renderRoute(<TaskRoute />, { path: '/annotate/:slug', url: '/annotate/demo' });
const submitted = (api: ReturnType<typeof mockApi>, n = 1) => waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(n));
const bodyOf = (api: ReturnType<typeof mockApi>, i = 0) =>
  api.calls(SUBMIT)[i].body as { answers: Record<string, unknown>; client_id: string; assignment_id: number };

describe('question kinds on the task screen', () => {
  it('ranks by keyboard (Alt+arrows, buttons) with a tie, and announces moves', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1, [rankingQ()], ['A', 'B', 'C'])), next(null)],
      [SUBMIT]: ok(),
    });
    renderTask();
    // Nothing is ranked at first: Submit waits until the shown order is kept (or each is placed).
    await screen.findByTestId('rank-pool-C');
    expect(screen.queryByTestId('rank-item-C')).toBeNull();
    expect(screen.getByTestId('submit')).toBeDisabled();
    await userEvent.click(screen.getByTestId('rank-keep-ranking'));
    expect(screen.getByTestId('submit')).toBeEnabled();
    const itemC = screen.getByTestId('rank-item-C');
    itemC.focus();
    await userEvent.keyboard('{Alt>}{ArrowUp}{/Alt}');
    await userEvent.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(itemC).toHaveFocus();
    expect(screen.getByTestId('rank-announce-ranking')).toHaveTextContent('Response C is now at position 1 of 3');
    // Order is now C, A, B; the buttons move C down and back up, then A ties with the one above (C).
    await userEvent.click(screen.getByTestId('rank-down-C'));
    await userEvent.click(screen.getByTestId('rank-up-C'));
    await userEvent.click(screen.getByTestId('rank-tie-A'));
    expect(screen.getByTestId('rank-announce-ranking')).toHaveTextContent('tied with Response C');
    const order = screen.getAllByTestId(/^rank-item-/).map((el) => el.dataset.testid);
    expect(order).toEqual(['rank-item-C', 'rank-item-A', 'rank-item-B']);

    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ ranking: { ranking: [['C', 'A'], ['B']], none_acceptable: false } });
  });

  it('ranks with T on a focused entry and sends none-acceptable as an empty ranking', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [rankingQ()], ['A', 'B', 'C'])), next(null)], [SUBMIT]: ok() });
    renderTask();
    await userEvent.click(await screen.findByTestId('rank-keep-ranking'));
    screen.getByTestId('rank-item-C').focus();
    await userEvent.keyboard('t');
    expect(screen.getByTestId('rank-tie-C')).toBeChecked();
    await userEvent.click(screen.getByTestId('none-acceptable'));
    await userEvent.keyboard('{Enter}');
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ ranking: { ranking: [], none_acceptable: true } });
  });

  it('takes binary votes by click and by U/D on focused rows', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [binaryQ()], ['A', 'B', 'C'])), next(null)], [SUBMIT]: ok() });
    renderTask();
    await userEvent.click(await screen.findByTestId('vote-A-up'));
    expect(screen.getByTestId('submit')).toBeDisabled();
    screen.getByTestId('vote-row-B').focus();
    await userEvent.keyboard('d');
    // After a vote the next row is focused: ↑ votes it up.
    expect(screen.getByTestId('vote-row-C')).toHaveFocus();
    await userEvent.keyboard('{ArrowUp}');
    expect(screen.getByTestId('vote-B-down')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('submit')).toBeEnabled();
    await userEvent.keyboard('{Enter}');
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ acceptable: { votes: { A: 'up', B: 'down', C: 'up' } } });
  });

  it('negative-only: nothing marked is complete; a marked response needs a reason', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [negativeQ()])), next(null)], [SUBMIT]: ok() });
    renderTask();
    expect(await screen.findByTestId('submit')).toBeEnabled();
    await userEvent.click(screen.getByTestId('unacceptable-B'));
    expect(screen.getByTestId('submit')).toBeDisabled();
    expect(screen.getByTestId('issue-unacceptable')).toHaveTextContent('Response B: Pick at least one reason');
    await userEvent.click(screen.getByTestId('reason-B-harmful'));
    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ unacceptable: { unacceptable: { B: ['harmful'] } } });
  });

  it('rates via radios with anchors, and explains what is missing when Enter is pressed early', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [ratingQ()])), next(null)], [SUBMIT]: ok() });
    renderTask();
    const useless = await screen.findByTestId('score-A-helpfulness-0');
    expect(useless).toHaveAccessibleName('0: useless');
    await userEvent.click(screen.getByTestId('score-A-helpfulness-3'));
    await userEvent.keyboard('{Enter}');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    expect(screen.getByTestId('issue-rating')).toHaveTextContent('Response B · Helpfulness: This attribute needs a score');
    expect(screen.getByTestId('question-rating')).toHaveFocus();
    await userEvent.click(screen.getByTestId('score-B-helpfulness-4'));
    await userEvent.click(screen.getByTestId('score-B-style-2'));
    await userEvent.keyboard('{Enter}');
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ rating: { scores: { A: { helpfulness: 3 }, B: { helpfulness: 4, style: 2 } } } });
  });

  it('text: enforces min length with a counter, ignores shortcuts while typing, Ctrl+Enter submits', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [textQ({ required: true, min_length: 10 })])), next(null)], [SUBMIT]: ok() });
    renderTask();
    const box = await screen.findByTestId('text-rationale');
    await userEvent.type(box, 'too srs');
    expect(screen.queryByRole('dialog')).toBeNull(); // "s" and "r" typed, not Skip/Report
    expect(screen.getByText(/7 \/ 5000/)).toBeInTheDocument();
    expect(screen.getByTestId('submit')).toBeDisabled();
    expect(screen.getByTestId('issue-rationale')).toHaveTextContent('Write at least 10 characters');
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    await userEvent.type(box, ' and more');
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ rationale: { text: 'too srs and more' } });
  });

  it('labels: flags and scales per candidate', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [labelsQ()])), next(null)], [SUBMIT]: ok() });
    renderTask();
    await userEvent.click(await screen.findByTestId('label-A-spam'));
    await userEvent.click(screen.getByTestId('label-B-quality-2'));
    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ labels: { values: { A: { spam: true }, B: { spam: false, quality: 2 } } } });
  });

  it('combined screen: pairwise with strength + rating + text go out in one body', async () => {
    const questions = [pairwiseQ({ strength: true }), ratingQ(), textQ()];
    const api = mockApi({ [NEXT]: [next(makeTask(1, questions)), next(null)], [SUBMIT]: ok() });
    renderTask();
    await screen.findByTestId('task');
    await userEvent.keyboard('2');
    expect(screen.getByTestId('strength-clear')).toHaveAttribute('aria-keyshortcuts', '8');
    await userEvent.keyboard('8');
    for (const id of ['score-A-helpfulness-1', 'score-B-helpfulness-4']) await userEvent.click(screen.getByTestId(id));
    await userEvent.type(screen.getByTestId('text-rationale'), 'B is right.');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api);
    expect(bodyOf(api)).toMatchObject({
      assignment_id: 1,
      answers: {
        preference: { choice: 'B', strength: 'clear' },
        rating: { scores: { A: { helpfulness: 1 }, B: { helpfulness: 4 } } },
        rationale: { text: 'B is right.' },
      },
    });
  });

  it('a single pairwise question with strength submits once the strength is chosen', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1, [pairwiseQ({ strength: true })])), next(null)], [SUBMIT]: ok() });
    renderTask();
    await screen.findByTestId('task');
    expect(screen.queryByTestId('submit')).toBeNull();
    await userEvent.keyboard('1');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    await userEvent.keyboard('9');
    await submitted(api);
    expect(bodyOf(api).answers).toEqual({ preference: { choice: 'A', strength: 'strong' } });
  });

  it('shows a server 422 next to the question it names', async () => {
    const api = mockApi({
      [NEXT]: next(makeTask(1, [ratingQ(), textQ()])),
      [SUBMIT]: () =>
        errorResponse(422, 'invalid_answer', 'answers.rating.scores.A.helpfulness: must be between 0 and 4', [
          { field: 'answers.rating.scores.A.helpfulness', message: 'must be between 0 and 4' },
        ]),
    });
    renderTask();
    for (const id of ['score-A-helpfulness-1', 'score-B-helpfulness-4']) await userEvent.click(await screen.findByTestId(id));
    await userEvent.click(screen.getByTestId('submit'));
    const errors = await screen.findByTestId('errors-rating');
    expect(errors).toHaveTextContent('Response A · Helpfulness: Must be between 0 and 4');
    expect(screen.getByText(/please fix the marked questions/i)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '1');
    // Editing the question clears its server error.
    await userEvent.click(screen.getByTestId('score-A-helpfulness-2'));
    expect(screen.queryByTestId('errors-rating')).toBeNull();
    expect(api.calls(SUBMIT)).toHaveLength(1);
  });

  it('reports an item with a required reason (R), then loads the next task', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1, [pairwiseQ()])), next(makeTask(2, [pairwiseQ()]))],
      [REPORT]: () => jsonResponse(204),
    });
    renderTask();
    await screen.findByTestId('task');
    await userEvent.keyboard('r');
    const dialog = screen.getByRole('dialog', { name: 'Report this item' });
    await userEvent.click(within(dialog).getByRole('button', { name: /report and get another/i }));
    expect(within(dialog).getByText('Please say what is wrong.')).toBeInTheDocument();
    expect(api.calls(REPORT)).toHaveLength(0);
    await userEvent.type(within(dialog).getByLabelText(/what is wrong/i), 'The text is cut off 1');
    await userEvent.click(within(dialog).getByRole('button', { name: /report and get another/i }));
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    expect(api.calls(REPORT)[0].body).toEqual({ assignment_id: 1, reason: 'The text is cut off 1' });
    expect(api.calls(SUBMIT)).toHaveLength(0);
  });

  it('undo (Z) re-opens the task with its answers; the re-submit has a new client_id', async () => {
    const task = makeTask(1, [pairwiseQ(), textQ()]);
    const api = mockApi({
      [NEXT]: [next(task), next(makeTask(2, [pairwiseQ(), textQ()])), next(makeTask(2, [pairwiseQ(), textQ()]))],
      [SUBMIT]: ok({ undo_until: new Date(Date.now() + 60_000).toISOString() }),
      [UNDO]: () =>
        jsonResponse(200, {
          task,
          progress,
          previous_answers: { preference: { choice: 'B', strength: null, aspects: {} }, rationale: { text: 'first try' } },
        }),
    });
    renderTask();
    await screen.findByTestId('task');
    await userEvent.keyboard('2');
    await userEvent.type(screen.getByTestId('text-rationale'), 'first try');
    await userEvent.click(screen.getByTestId('submit'));
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    expect(screen.getByTestId('undo-toast')).toHaveTextContent('Submitted');

    await userEvent.keyboard('z');
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '1'));
    expect(api.calls(UNDO)[0].body).toEqual({ judgment_id: 7 });
    expect(screen.getByTestId('choice-B')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('text-rationale')).toHaveValue('first try');
    expect(screen.queryByTestId('undo-toast')).toBeNull();

    await userEvent.keyboard('1');
    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api, 2);
    expect(bodyOf(api, 1).answers).toEqual({ preference: { choice: 'A' }, rationale: { text: 'first try' } });
    expect(bodyOf(api, 1).client_id).not.toBe(bodyOf(api, 0).client_id);
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
  });

  it('tells the user when the undo window has closed', async () => {
    mockApi({
      [NEXT]: [next(makeTask(1, [pairwiseQ()])), next(makeTask(2, [pairwiseQ()]))],
      [SUBMIT]: ok({ undo_until: new Date(Date.now() + 60_000).toISOString() }),
      [UNDO]: () => errorResponse(409, 'undo_expired', 'Too late.'),
    });
    renderTask();
    await screen.findByTestId('task');
    await userEvent.keyboard('1');
    await userEvent.click(await screen.findByTestId('undo'));
    expect(await screen.findByText(/too late to undo/i)).toBeInTheDocument();
    expect(screen.queryByTestId('undo-toast')).toBeNull();
  });

  it('every question kind answers media candidates (images, audio, video) in one screen', async () => {
    const sha = 'c'.repeat(64);
    const task = makeTask(1, [pairwiseQ(), rankingQ(), binaryQ(), negativeQ(), ratingQ(), textQ({ target: 'candidate' }), labelsQ()]);
    task.candidates = [
      { label: 'A', content: [{ type: 'image', sha256: sha, content_type: 'image/png', width: 256, height: 256, alt: 'a red circle' }] },
      { label: 'B', content: [{ type: 'audio', sha256: sha, content_type: 'audio/wav', alt: 'a low hum' }] },
      { label: 'C', content: [{ type: 'video', sha256: sha, content_type: 'video/mp4', width: 320, height: 180 }] },
    ];
    const api = mockApi({ [NEXT]: [next(task), next(null)], [SUBMIT]: ok() });
    renderTask();
    await screen.findByTestId('task');
    expect(within(screen.getByTestId('candidate-A')).getByRole('img', { name: 'a red circle' })).toBeInTheDocument();
    expect(within(screen.getByTestId('candidate-B')).getByRole('button', { name: 'Replay a low hum' })).toBeInTheDocument();
    // Ranking entries describe media-only candidates instead of "(no text)".
    expect(screen.getByTestId('rank-pool-A')).toHaveTextContent('image: a red circle');
    expect(screen.getByTestId('rank-pool-C')).toHaveTextContent('Response C video');

    await userEvent.keyboard('1');
    // On a response not ranked yet, a digit is its rank position (not the A/B key).
    screen.getByTestId('rank-pool-B').focus();
    await userEvent.keyboard('1');
    await userEvent.click(screen.getByTestId('rank-keep-ranking'));
    for (const id of ['vote-A-up', 'vote-B-down', 'vote-C-up', 'unacceptable-B', 'reason-B-incorrect']) await userEvent.click(screen.getByTestId(id));
    for (const label of ['A', 'B', 'C']) await userEvent.click(screen.getByTestId(`score-${label}-helpfulness-2`));
    await userEvent.type(screen.getAllByTestId(/^text-rationale/)[0], 'Round and red.');
    await userEvent.click(screen.getByTestId('label-B-spam'));
    await userEvent.click(screen.getByTestId('submit'));
    await submitted(api);
    const answers = bodyOf(api).answers;
    expect(answers).toMatchObject({
      preference: { choice: 'A' },
      ranking: { ranking: [['B'], ['A'], ['C']] },
      acceptable: { votes: { A: 'up', B: 'down', C: 'up' } },
      unacceptable: { unacceptable: { B: ['incorrect'] } },
      rating: { scores: { A: { helpfulness: 2 }, B: { helpfulness: 2 }, C: { helpfulness: 2 } } },
      rationale: { texts: { A: 'Round and red.', B: '', C: '' } },
      labels: { values: { B: { spam: true } } },
    });
  });

  it('toggles the keyboard help with ?, listing the shortcuts in use', async () => {
    mockApi({ [NEXT]: next(makeTask(1, [rankingQ(), binaryQ()], ['A', 'B', 'C'])) });
    renderTask();
    await screen.findByTestId('task');
    expect(screen.queryByTestId('keyboard-help')).toBeNull();
    fireEvent.keyDown(window, { key: '?' });
    const help = await screen.findByTestId('keyboard-help');
    expect(help).toHaveTextContent('move the focused ranking entry');
    expect(help).toHaveTextContent('thumbs up / thumbs down');
    expect(help).not.toHaveTextContent('both bad');
    fireEvent.keyDown(window, { key: '?' });
    expect(screen.queryByTestId('keyboard-help')).toBeNull();
  });
});
