import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { ApiError } from '@/lib/api-client';
import type { AnnotateCampaignList, CampaignStatus, NextTaskResponse, Task } from '@/lib/api-types';
import { queryConfig, retryWhileUnavailable } from '@/lib/react-query';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { TaskRoute } from './task';
import TreeTaskRoute from './tree-task';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';
const TREE_NEXT = 'GET /api/annotate/demo/tree-tasks/next';
const CAMPAIGNS = 'GET /api/annotate/campaigns';

const progress = { my_judgments: 1, items_total: 4, items_complete: 1 };

function makeTask(assignmentId: number): Task {
  return {
    assignment_id: assignmentId,
    item_id: 100 + assignmentId,
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '' },
    context: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }],
    candidates: [
      { label: 'A', content: [{ type: 'text', text: '4' }] },
      { label: 'B', content: [{ type: 'text', text: '5' }] },
    ],
    questions: [{ kind: 'pairwise', id: 'preference', prompt: 'Better?', help: '', allow_tie: true, allow_both_bad: true, strength: false }],
  };
}

const next = (task: Task | null) => () => jsonResponse(200, { task, progress } satisfies NextTaskResponse);
const notActive = (status: 'paused' | 'closed') => () =>
  errorResponse(409, 'campaign_not_active', `Campaign 'demo' is ${status}: it gives out no new tasks`, { status });
// The annotator's campaign list, as the task page reads it when it opens.
const listed = (status: CampaignStatus, kind: 'items' | 'trees' = 'items') => () =>
  jsonResponse(200, {
    campaigns: [{ slug: 'demo', name: 'Demo campaign', kind, status, my_judgments: 1, available: 0 }],
  } satisfies AnnotateCampaignList);
const stored = () => jsonResponse(200, { judgment_id: 9, client_id: 'x', undo_until: null });

const renderTask = () =>
  renderRoute(<TaskRoute />, {
    path: '/annotate/:slug',
    url: '/annotate/demo',
    extra: [{ path: '/annotate', element: <h1>Campaign list</h1> }],
  });

describe('task screen when the campaign is paused or closed', () => {
  it('after the held task is submitted, says the campaign is paused and that the answer was saved', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1)), notActive('paused')], [SUBMIT]: stored });
    renderTask();
    await screen.findByTestId('task');

    await userEvent.keyboard('1');

    const stopped = await screen.findByTestId('campaign-stopped');
    expect(stopped).toHaveTextContent('This campaign is paused');
    expect(stopped).toHaveTextContent('Your last answer was saved.');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('task')).toBeNull();
    expect(api.calls(SUBMIT)).toHaveLength(1);
    // Asked once after the submit, and not again on its own.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.calls(NEXT)).toHaveLength(2);
  });

  it('"Check again" asks once more and shows the next task when the campaign was resumed', async () => {
    const api = mockApi({ [NEXT]: [notActive('paused'), next(makeTask(2))] });
    renderTask();
    expect(await screen.findByTestId('campaign-stopped')).toHaveTextContent('Every answer you submitted is saved.');

    await userEvent.click(screen.getByRole('button', { name: 'Check again' }));

    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '2');
    expect(api.calls(NEXT)).toHaveLength(2);
  });

  it('a closed campaign says it is closed, without "Check again"', async () => {
    mockApi({ [NEXT]: notActive('closed') });
    renderTask();
    const stopped = await screen.findByTestId('campaign-stopped');
    expect(stopped).toHaveTextContent('This campaign is closed');
    expect(screen.queryByRole('button', { name: 'Check again' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Back to campaigns' })).toHaveAttribute('href', '/annotate');
  });

  it('a task held through a pause comes back on reload with a notice that nothing follows it', async () => {
    mockApi({ [CAMPAIGNS]: listed('paused'), [NEXT]: [next(makeTask(1)), notActive('paused')], [SUBMIT]: stored });
    renderTask();
    await screen.findByTestId('task');
    expect(await screen.findByTestId('campaign-stopping')).toHaveTextContent(
      'This campaign is paused: finish this task and your answer will be saved, but no new task will follow until it is resumed.',
    );

    await userEvent.keyboard('2');

    expect(await screen.findByTestId('campaign-stopped')).toHaveTextContent('Your last answer was saved.');
    expect(screen.queryByTestId('campaign-stopping')).toBeNull();
  });

  it('a task after the page opened has no such notice (the campaign was resumed meanwhile)', async () => {
    mockApi({ [CAMPAIGNS]: listed('paused'), [NEXT]: [next(makeTask(1)), next(makeTask(2))], [SUBMIT]: stored });
    renderTask();
    await screen.findByTestId('campaign-stopping');

    await userEvent.keyboard('1');

    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '2');
    expect(screen.queryByTestId('campaign-stopping')).toBeNull();
  });

  it('an active campaign shows no such notice', async () => {
    mockApi({ [CAMPAIGNS]: listed('active'), [NEXT]: next(makeTask(1)) });
    renderTask();
    await screen.findByTestId('task');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByTestId('campaign-stopping')).toBeNull();
  });

  it('another 409 is still an error to retry', async () => {
    mockApi({ [NEXT]: () => errorResponse(409, 'lease_cap_reached', 'Too many open tasks') });
    renderTask();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load a task.');
    expect(screen.queryByTestId('campaign-stopped')).toBeNull();
  });

  it('the tree task screen says the campaign is closed too', async () => {
    mockApi({ [TREE_NEXT]: notActive('closed') });
    renderRoute(<TreeTaskRoute />, { path: '/annotate/:slug/trees', url: '/annotate/demo/trees' });
    expect(await screen.findByTestId('campaign-stopped')).toHaveTextContent('This campaign is closed');
  });
});

describe('a 409 from a stopped campaign is never sent again on its own', () => {
  const conflict = new ApiError(409, 'campaign_not_active', 'paused', { status: 'paused' });

  it('by the queries (GET next)', () => {
    expect(queryConfig.queries.retry(0, conflict)).toBe(false);
  });

  it('by the submit retry', () => {
    expect(retryWhileUnavailable.retry(0, conflict)).toBe(false);
  });
});
