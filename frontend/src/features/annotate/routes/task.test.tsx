import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { NextTaskResponse, Part, Task } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, networkFailure, renderRoute } from '@/testing/test-utils';

import { TaskRoute } from './task';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';
const SKIP = 'POST /api/annotate/demo/skip';

// A part kind newer than the generated schema (the server may ship one before this build knows it).
const SHA = 'ab'.repeat(32);
const IMAGE_PART: Part = { type: 'image', sha256: SHA, content_type: 'image/png', width: 8, height: 8, alt: 'a fox' };
// A kind a newer server might send that this build cannot render.
const UNKNOWN_PART = { type: 'hologram', url: 'x.holo' } as unknown as Part;

function makeTask(assignmentId: number, overrides: Partial<Task> = {}): Task {
  return {
    assignment_id: assignmentId,
    item_id: 100 + assignmentId,
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '# Be careful\n\nPrefer **helpful** answers.' },
    context: [
      { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }, IMAGE_PART, UNKNOWN_PART] },
    ],
    candidates: [
      { label: 'A', content: [{ type: 'text', text: 'It is **4**.' }] },
      { label: 'B', content: [{ type: 'text', text: '5 <script>window.__pwned=1</script>' }] },
    ],
    questions: [
      { kind: 'pairwise', id: 'preference', prompt: 'Which response is better?', help: '', allow_tie: true, allow_both_bad: true, strength: false },
    ],
    ...overrides,
  };
}

const progress = { my_judgments: 3, items_total: 10, items_complete: 2 };
const next = (task: Task | null, p = progress): (() => Response) => () =>
  jsonResponse(200, { task, progress: p } satisfies NextTaskResponse);

const renderTask = () =>
  renderRoute(<TaskRoute />, {
    path: '/annotate/:slug',
    url: '/annotate/demo',
    extra: [{ path: '/annotate', element: <h1>Campaign list</h1> }],
  });

const currentAssignment = async () => (await screen.findByTestId('task')).getAttribute('data-assignment-id');

describe('annotator task screen', () => {
  it('renders the conversation, both candidates and progress', async () => {
    mockApi({ [NEXT]: next(makeTask(1)) });
    renderTask();

    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '1');
    expect(screen.getByTestId('progress')).toHaveTextContent("You've rated 3 · 2 of 10 items complete");
    expect(screen.getByText('System')).toBeInTheDocument();
    expect(screen.getByText('User')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'a fox' })).toHaveAttribute('src', `/api/media/${SHA}`);
    expect(screen.getByText('[unsupported hologram part]')).toBeInTheDocument();
    expect(within(screen.getByTestId('candidate-A')).getByText('Response A')).toBeInTheDocument();
    expect(within(screen.getByTestId('candidate-A')).getByText('4').tagName).toBe('STRONG');
    expect(screen.getByTestId('candidate-B').querySelector('script')).toBeNull();
    for (const choice of ['A', 'B', 'tie', 'both_bad']) expect(screen.getByTestId(`choice-${choice}`)).toBeEnabled();
    expect(screen.getByRole('button', { name: 'B is better' })).toHaveAttribute('aria-keyshortcuts', '2');
  });

  it('hides Tie and Both-bad when the question does not allow them, and ignores their keys', async () => {
    const task = makeTask(1, {
      questions: [{ kind: 'pairwise', id: 'q', prompt: 'Better?', help: '', allow_tie: false, allow_both_bad: false, strength: false }],
    });
    const api = mockApi({ [NEXT]: next(task) });
    renderTask();
    await screen.findByTestId('task');
    expect(screen.queryByTestId('choice-tie')).toBeNull();
    expect(screen.queryByTestId('choice-both_bad')).toBeNull();
    await userEvent.keyboard('34');
    expect(api.calls(SUBMIT)).toHaveLength(0);
  });

  it('submits choice B when "2" is pressed and loads the next task without a reload', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2), { ...progress, my_judgments: 4 })],
      [SUBMIT]: ({ body }) => jsonResponse(200, { judgment_id: 9, client_id: (body as { client_id: string }).client_id }),
    });
    renderTask();
    expect(await currentAssignment()).toBe('1');

    await userEvent.keyboard('2');

    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    expect(screen.getByTestId('progress')).toHaveTextContent("You've rated 4");
    const [submit] = api.calls(SUBMIT);
    expect(submit.body).toMatchObject({ assignment_id: 1, answers: { preference: { choice: 'B' } } });
    const body = submit.body as { client_id: string; time_spent_ms: number };
    expect(body.client_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.isInteger(body.time_spent_ms) && body.time_spent_ms >= 0).toBe(true);
    expect(api.calls(NEXT)).toHaveLength(2);
  });

  it('moves to the next task the submit answered, without asking /next again', async () => {
    const following = { task: makeTask(2), progress: { ...progress, my_judgments: 4 } } satisfies NextTaskResponse;
    const api = mockApi({
      [NEXT]: next(makeTask(1)),
      [SUBMIT]: ({ body }) =>
        jsonResponse(200, { judgment_id: 9, client_id: (body as { client_id: string }).client_id, next: following }),
    });
    renderTask();
    expect(await currentAssignment()).toBe('1');

    await userEvent.keyboard('1');

    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    expect(screen.getByTestId('progress')).toHaveTextContent("You've rated 4");
    expect(api.calls(SUBMIT)[0].body).toMatchObject({ assignment_id: 1, next: true });
    expect(api.calls(NEXT)).toHaveLength(1);
  });

  it('asks /next when the submit answered no next task (the server would refuse one)', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), () => errorResponse(409, 'campaign_not_active', 'paused', { status: 'paused' })],
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 9, client_id: 'x', undo_until: null, next: null }),
    });
    renderTask();
    await currentAssignment();

    await userEvent.keyboard('1');

    expect(await screen.findByTestId('campaign-stopped')).toHaveAttribute('data-status', 'paused');
    expect(api.calls(NEXT)).toHaveLength(2);
  });

  it('keeps the answer after a network error and retries with the same client_id', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2))],
      [SUBMIT]: [networkFailure, networkFailure, () => jsonResponse(200, { judgment_id: 9, client_id: 'x' })],
    });
    renderTask();
    await currentAssignment();

    await userEvent.click(screen.getByTestId('choice-B'));
    await screen.findByRole('button', { name: 'Retry' });
    // Changing one's mind after a failure is allowed, and is still the same judgment.
    await userEvent.keyboard('1');
    await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(2));

    const retry = await screen.findByRole('button', { name: 'Retry' });
    expect(screen.getByRole('alert')).toHaveTextContent(/not saved yet/i);
    expect(screen.getByTestId('choice-A')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '1');

    await userEvent.click(retry);

    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    const bodies = api.calls(SUBMIT).map((r) => r.body as { client_id: string; answers: unknown });
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies.map((b) => b.client_id)).size).toBe(1);
    expect(bodies[2].answers).toEqual({ preference: { choice: 'A' } });
  });

  it('while the database is unavailable (503), says it is reconnecting and resends the same client_id', async () => {
    const unavailable = (retryAfter: string) => () =>
      new Response(JSON.stringify({ error: { code: 'database_unavailable', message: 'Briefly unavailable.', details: null } }), {
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': retryAfter },
      });
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2))],
      [SUBMIT]: [unavailable('1'), unavailable('0'), () => jsonResponse(200, { judgment_id: 9, client_id: 'x' })],
    });
    renderTask();
    await currentAssignment();

    await userEvent.keyboard('2');
    expect(await screen.findByText(/reconnecting/i)).toBeInTheDocument();
    // Retry-After: 1 is honoured: nothing is sent again at once, and no error is shown meanwhile.
    expect(api.calls(SUBMIT)).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();

    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'), { timeout: 5000 });
    const bodies = api.calls(SUBMIT).map((r) => r.body as { client_id: string; answers: unknown });
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies.map((b) => b.client_id)).size).toBe(1);
    expect(bodies[2].answers).toEqual({ preference: { choice: 'B' } });
  });

  it('gives each new task a fresh client_id', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2)), next(makeTask(3))],
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 1, client_id: 'x' }),
    });
    renderTask();
    await currentAssignment();
    await userEvent.keyboard('1');
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    await userEvent.keyboard('3');
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '3'));
    const [a, b] = api.calls(SUBMIT).map((r) => r.body as { client_id: string; answers: unknown });
    expect(a.client_id).not.toBe(b.client_id);
    expect(b.answers).toEqual({ preference: { choice: 'tie' } });
  });

  it('tells the user when the lease expired and moves on to a new task', async () => {
    mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2))],
      [SUBMIT]: () => errorResponse(409, 'lease_expired', 'The lease expired.'),
    });
    renderTask();
    await currentAssignment();
    await userEvent.keyboard('4');
    expect(await screen.findByText(/expired before your answer was saved/i)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
  });

  it('opens the guidelines drawer, ignores answer keys while it is open, and closes on Escape', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(1)), next(makeTask(2))],
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 1, client_id: 'x' }),
    });
    renderTask();
    await currentAssignment();

    await userEvent.click(screen.getByRole('button', { name: /guidelines/i }));
    const drawer = screen.getByRole('dialog', { name: 'Guidelines' });
    expect(within(drawer).getByText('helpful').tagName).toBe('STRONG');

    await userEvent.keyboard('2');
    expect(api.calls(SUBMIT)).toHaveLength(0);

    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();

    await userEvent.keyboard('1');
    await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(1));
    expect(api.calls(SUBMIT)[0].body).toMatchObject({ answers: { preference: { choice: 'A' } } });
  });

  it('skips with an optional reason when S is pressed', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(1)), next(makeTask(2))], [SKIP]: () => jsonResponse(204) });
    renderTask();
    await currentAssignment();

    await userEvent.keyboard('s');
    const input = screen.getByLabelText('Reason (optional)');
    expect(input).toHaveFocus();
    await userEvent.type(input, 'Not my language 2');
    expect(api.calls(SUBMIT)).toHaveLength(0); // typing "2" in the reason is not an answer
    await userEvent.click(screen.getByRole('button', { name: 'Skip task' }));

    await waitFor(() => expect(screen.getByTestId('task')).toHaveAttribute('data-assignment-id', '2'));
    expect(api.calls(SKIP)[0].body).toEqual({ assignment_id: 1, reason: 'Not my language 2' });
  });

  it('shows the "all done" state when there is no task left', async () => {
    mockApi({ [NEXT]: next(null, { my_judgments: 12, items_total: 10, items_complete: 10 }) });
    renderTask();
    const done = await screen.findByTestId('done');
    expect(done).toHaveTextContent('All done — nothing left for you in this campaign');
    expect(screen.getByTestId('progress')).toHaveTextContent('10 of 10 items complete');
    await userEvent.click(within(done).getByRole('link', { name: 'Back to campaigns' }));
    expect(await screen.findByRole('heading', { name: 'Campaign list' })).toBeInTheDocument();
  });

  it('waits for every question and an explicit submit when there are several', async () => {
    const task = makeTask(1, {
      questions: [
        { kind: 'pairwise', id: 'helpful', prompt: 'More helpful?', help: '', allow_tie: true, allow_both_bad: false, strength: false },
        { kind: 'pairwise', id: 'honest', prompt: 'More honest?', help: '', allow_tie: true, allow_both_bad: false, strength: false },
      ],
    });
    const api = mockApi({
      [NEXT]: [next(task), next(makeTask(2))],
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 1, client_id: 'x' }),
    });
    renderTask();
    await currentAssignment();
    await userEvent.keyboard('1');
    expect(api.calls(SUBMIT)).toHaveLength(0);
    expect(screen.getByTestId('submit')).toBeDisabled();
    await userEvent.keyboard('3');
    // Several questions: nothing is sent until the annotator submits (Enter or the button).
    expect(api.calls(SUBMIT)).toHaveLength(0);
    expect(screen.getByTestId('submit')).toBeEnabled();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(1));
    expect(api.calls(SUBMIT)[0].body).toMatchObject({ answers: { helpful: { choice: 'A' }, honest: { choice: 'tie' } } });
  });
});
