import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { ApiError } from '@/lib/api-client';
import type { NextTaskResponse, QualificationFeedback, SubmitJudgmentResponse, Task } from '@/lib/api-types';
import { queryConfig } from '@/lib/react-query';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { TaskRoute } from '../../routes/task';

import { describeExpected } from './expected-answer';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';
const CAMPAIGNS = 'GET /api/annotate/campaigns';
const progress = { my_judgments: 0, items_total: 4, items_complete: 0 };

const task: Task = {
  assignment_id: 1,
  item_id: 101,
  expires_at: '2030-01-01T00:00:00Z',
  campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '' },
  context: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }],
  candidates: [
    { label: 'A', content: [{ type: 'text', text: '5' }] },
    { label: 'B', content: [{ type: 'text', text: '4' }] },
  ],
  questions: [{ kind: 'pairwise', id: 'preference', prompt: 'Better?', help: '', allow_tie: true, allow_both_bad: true, strength: false }],
};

const feedback: QualificationFeedback = {
  correct: false,
  score: 0,
  expected: { preference: { accept: ['B', 'tie'] } },
  explanation: 'Four is the sum.',
  answered: 2,
  tasks: 2,
  outcome: 'failed',
};

const excluded = () =>
  errorResponse(409, 'annotator_excluded', 'Thank you for your time', {
    source: 'qualification',
    screen_out_code: 'NOPE-42',
    return_url: 'https://app.prolific.com/submissions/complete?cc=NOPE-42',
  });

describe('describeExpected', () => {
  it('names candidates by the labels shown, in words', () => {
    expect(describeExpected({ accept: ['B', 'tie'] })).toBe('B or a tie');
    expect(describeExpected({ order: ['C', 'A', 'B'], pass_share: 0.5 })).toBe('best first: C, A, B');
    expect(describeExpected({ top: ['A', 'C'] })).toBe('best: A or C');
    expect(describeExpected({ votes: { A: 'up', B: 'down' } })).toBe('A: good, B: bad');
    expect(describeExpected({ unacceptable: [] })).toBe('none unacceptable');
    expect(describeExpected({ scores: { B: { helpfulness: { value: 3, tolerance: 1 } } } })).toBe('B helpfulness: 3 (±1)');
  });
});

describe('qualification on the task screen', () => {
  it('shows feedback until Continue, then the stop page with the code, asking for nothing more', async () => {
    const stored = () =>
      jsonResponse(200, { judgment_id: 9, client_id: 'x', undo_until: '2030-01-01T00:00:00Z', qualification: feedback } satisfies SubmitJudgmentResponse);
    const api = mockApi({
      [NEXT]: [() => jsonResponse(200, { task, progress } satisfies NextTaskResponse), excluded],
      [SUBMIT]: stored,
      [CAMPAIGNS]: () => jsonResponse(200, { campaigns: [] }),
    });
    renderRoute(<TaskRoute />, { path: '/annotate/:slug', url: '/annotate/demo' });
    await screen.findByTestId('task');

    await userEvent.keyboard('1');

    const panel = await screen.findByTestId('qualification-feedback');
    expect(panel).toHaveTextContent('Qualification task 2 of 2');
    expect(panel).toHaveTextContent('Not quite');
    expect(panel).toHaveTextContent('Better? — expected: B or a tie');
    expect(panel).toHaveTextContent('Four is the sum.');
    expect(panel).toHaveTextContent('That was the last qualification task.');
    // No undo of a qualification answer, and no next task before Continue.
    expect(screen.queryByRole('button', { name: /undo/i })).toBeNull();
    expect(api.calls(NEXT)).toHaveLength(1);

    await userEvent.click(screen.getByTestId('qualification-continue'));

    const stopped = await screen.findByTestId('screened-out');
    expect(stopped).toHaveTextContent('Thank you for your time');
    expect(screen.getByTestId('screen-out-code')).toHaveTextContent('NOPE-42');
    expect(screen.getByTestId('screen-out-link')).toHaveAttribute('href', 'https://app.prolific.com/submissions/complete?cc=NOPE-42');
    expect(screen.queryByRole('button', { name: /try again/i })).toBeNull();
    expect(api.calls(NEXT)).toHaveLength(2);
    // The app's queries never retry it on their own either.
    const refusal = new ApiError(409, 'annotator_excluded', 'Thank you for your time', { source: 'qualification' });
    expect(queryConfig.queries.retry(0, refusal)).toBe(false);
  });
  it('keeps the next task the submit answered until Continue, then shows it without asking /next', async () => {
    const pending: QualificationFeedback = { ...feedback, correct: true, score: 1, answered: 1, outcome: 'pending' };
    const following = { task: { ...task, assignment_id: 2, item_id: 102 }, progress: { ...progress, my_judgments: 1 } };
    const api = mockApi({
      [NEXT]: () => jsonResponse(200, { task, progress } satisfies NextTaskResponse),
      [SUBMIT]: () =>
        jsonResponse(200, {
          judgment_id: 9,
          client_id: 'x',
          undo_until: null,
          qualification: pending,
          next: following,
        } satisfies SubmitJudgmentResponse),
      [CAMPAIGNS]: () => jsonResponse(200, { campaigns: [] }),
    });
    renderRoute(<TaskRoute />, { path: '/annotate/:slug', url: '/annotate/demo' });
    await screen.findByTestId('task');

    await userEvent.keyboard('2');

    expect(await screen.findByTestId('qualification-feedback')).toHaveTextContent('Qualification task 1 of 2');
    expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '1');

    await userEvent.click(screen.getByTestId('qualification-continue'));

    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '2');
    expect(screen.queryByTestId('qualification-feedback')).toBeNull();
    expect(api.calls(NEXT)).toHaveLength(1);
  });
});
