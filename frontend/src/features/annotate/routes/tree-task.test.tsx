import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { AnnotateCampaignList, LabelsQuestion, TreeNextResponse, TreeTask } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignList } from '../components/campaign-list';

import TreeTaskRoute from './tree-task';

const NEXT = 'GET /api/annotate/demo-trees/tree-tasks/next';
const submitKey = (id: number) => `POST /api/annotate/demo-trees/tree-tasks/${id}/submit`;

const LABELS: LabelsQuestion = {
  kind: 'labels',
  id: 'labels',
  prompt: 'Label the message.',
  help: '',
  target: 'prompt',
  labels: [
    { id: 'spam', label: 'Spam', description: '', type: 'flag' },
    { id: 'quality', label: 'Quality', description: '', type: 'scale', scale: { min: 0, max: 4, anchors: {} } },
  ],
};

const text = (t: string) => [{ type: 'text' as const, text: t }];

function makeTask(id: number, overrides: Partial<TreeTask> = {}): TreeTask {
  return {
    id,
    kind: 'assistant_reply',
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo-trees', name: 'Demo trees', guidelines: 'Be **kind**.' },
    conversation: [
      { id: 1, role: 'prompter', content: text('How do I boil an egg?'), mine: false },
      { id: 2, role: 'assistant', content: text('Put it in **boiling** water.'), mine: true },
      { id: 3, role: 'prompter', content: text('For how long?'), mine: false },
    ],
    replies: [],
    questions: [],
    guidance: { min_length: 10, max_length: 40 },
    lang: 'en',
    ...overrides,
  };
}

const next = (task: TreeTask | null) => () => jsonResponse(200, { task } satisfies TreeNextResponse);
const saved = (id: number) => () =>
  jsonResponse(200, { task_id: id, status: 'done', tree_id: 1, tree_state: 'growing', message_id: null });

const renderTrees = () =>
  renderRoute(<TreeTaskRoute />, {
    path: '/annotate/:slug/trees',
    url: '/annotate/demo-trees/trees',
    extra: [{ path: '/annotate', element: <h1>Campaign list</h1> }],
  });

const currentTask = async () => (await screen.findByTestId('tree-task')).getAttribute('data-task-id');

describe('tree task screen: writing', () => {
  it('shows the path as a chat, states the role, and gates submit on the length guidance', async () => {
    const api = mockApi({ [NEXT]: [next(makeTask(7)), next(makeTask(8, { kind: 'prompter_reply' }))], [submitKey(7)]: saved(7) });
    renderTrees();
    expect(await currentTask()).toBe('7');

    expect(screen.getByRole('heading', { name: "Write the assistant's reply" })).toBeInTheDocument();
    expect(within(screen.getByTestId('path-message-2')).getByText('boiling').tagName).toBe('STRONG');
    expect(screen.getByTestId('path-message-2')).toHaveTextContent('written by you');
    expect(screen.getByTestId('path-message-3')).toHaveAttribute('aria-current', 'true');
    expect(screen.getByTestId('path-message-3')).toHaveTextContent('Replying to this');

    const box = screen.getByTestId('composer-text');
    const submit = screen.getByTestId('tree-submit');
    expect(submit).toBeDisabled();
    await userEvent.type(box, '  Six min');
    // Trimmed, as the server counts: 7 characters is under the minimum of 10.
    expect(screen.getByTestId('composer-counter')).toHaveTextContent('7 / 40 characters · at least 10 · Write at least 3 more characters.');
    expect(submit).toBeDisabled();
    await userEvent.type(box, 'utes, *then* cold water.');
    expect(screen.getByTestId('composer-counter')).toHaveTextContent('31 / 40');
    expect(submit).toBeEnabled();
    await userEvent.type(box, ' And salt it well.');
    expect(screen.getByTestId('composer-counter')).toHaveTextContent('Remove 9 characters.');
    expect(submit).toBeDisabled();
    await userEvent.keyboard('{Backspace>18/}');

    await userEvent.click(screen.getByRole('tab', { name: 'Preview' }));
    expect(within(screen.getByRole('tabpanel')).getByText('then').tagName).toBe('EM');
    await userEvent.click(screen.getByRole('tab', { name: 'Write' }));

    await userEvent.click(submit);
    await waitFor(() => expect(screen.getByTestId('tree-task')).toHaveAttribute('data-task-id', '8'));
    expect(screen.getByRole('heading', { name: "Write the user's follow-up" })).toBeInTheDocument();
    const [sent] = api.calls(submitKey(7));
    expect(sent.body).toMatchObject({ answer: { kind: 'assistant_reply', text: 'Six minutes, *then* cold water.' } });
    const body = sent.body as { client_id: string; time_spent_ms: number };
    expect(body.client_id.length).toBeGreaterThan(8);
    expect(body.time_spent_ms).toBeGreaterThanOrEqual(0);
  });

  it('asks for an initial prompt with nothing above it, and submits with Ctrl+Enter', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(3, { kind: 'initial_prompt', conversation: [] })), next(null)],
      [submitKey(3)]: saved(3),
    });
    renderTrees();
    await currentTask();
    expect(screen.getByRole('heading', { name: 'Write a prompt to start a conversation' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Conversation' })).toBeNull();
    await userEvent.type(screen.getByTestId('composer-text'), 'Explain tides to a child.{Control>}{Enter}{/Control}');
    expect(await screen.findByTestId('tree-done')).toHaveTextContent('No tree tasks for you right now');
    expect(api.calls(submitKey(3))[0].body).toMatchObject({ answer: { kind: 'initial_prompt', text: 'Explain tides to a child.' } });
  });

  it('shows what the server rejected and keeps the text', async () => {
    mockApi({
      [NEXT]: next(makeTask(7)),
      [submitKey(7)]: () =>
        errorResponse(422, 'invalid_answer', 'answer.text: between 10 and 40 characters, not 9', [
          { field: 'answer.text', message: 'between 10 and 40 characters, not 9' },
        ]),
    });
    renderTrees();
    await currentTask();
    await userEvent.type(screen.getByTestId('composer-text'), 'Ten chars!');
    await userEvent.click(screen.getByTestId('tree-submit'));
    expect(await screen.findByText('between 10 and 40 characters, not 9')).toBeInTheDocument();
    expect(screen.getByTestId('composer-text')).toHaveValue('Ten chars!');
  });

  it('moves on to a new task when the old one closed', async () => {
    mockApi({
      [NEXT]: [next(makeTask(7)), next(makeTask(9))],
      [submitKey(7)]: () => errorResponse(409, 'tree_task_closed', 'Task 7 is expired; ask for a new one'),
    });
    renderTrees();
    await currentTask();
    await userEvent.type(screen.getByTestId('composer-text'), 'A fine reply.');
    await userEvent.click(screen.getByTestId('tree-submit'));
    await waitFor(() => expect(screen.getByTestId('tree-task')).toHaveAttribute('data-task-id', '9'));
    expect(screen.getByText(/closed before your answer was saved/)).toBeInTheDocument();
  });

  it('skips with a reason', async () => {
    const api = mockApi({
      [NEXT]: [next(makeTask(7)), next(makeTask(9))],
      'POST /api/annotate/demo-trees/tree-tasks/7/skip': () => jsonResponse(204),
    });
    renderTrees();
    await currentTask();
    await userEvent.keyboard('s');
    await userEvent.type(screen.getByLabelText('Reason (optional)'), 'Not my topic');
    await userEvent.click(screen.getByRole('button', { name: 'Skip task' }));
    await waitFor(() => expect(screen.getByTestId('tree-task')).toHaveAttribute('data-task-id', '9'));
    expect(api.calls('POST /api/annotate/demo-trees/tree-tasks/7/skip')[0].body).toEqual({ reason: 'Not my topic' });
  });
});

describe('tree task screen: review', () => {
  it('requires a yes/no and sends the flags and scales of the highlighted message', async () => {
    const task = makeTask(5, { kind: 'review', questions: [LABELS] });
    const api = mockApi({ [NEXT]: [next(task), next(null)], [submitKey(5)]: saved(5) });
    renderTrees();
    await currentTask();

    expect(screen.getByTestId('path-message-3')).toHaveTextContent('Under review');
    expect(screen.getByText('The message under review')).toBeInTheDocument();
    expect(screen.getByTestId('tree-submit')).toBeDisabled();
    expect(screen.getByTestId('tree-submit-status')).toHaveTextContent('Say whether the message is acceptable.');

    await userEvent.keyboard('y');
    expect(screen.getByTestId('acceptable-yes')).toBeChecked();
    await userEvent.keyboard('n');
    expect(screen.getByTestId('acceptable-no')).toBeChecked();
    await userEvent.click(screen.getByTestId('label-prompt-spam'));
    await userEvent.click(screen.getByTestId('label-prompt-quality-1'));
    await userEvent.click(screen.getByTestId('tree-submit'));

    expect(await screen.findByTestId('tree-done')).toBeInTheDocument();
    expect(api.calls(submitKey(5))[0].body).toMatchObject({
      answer: { kind: 'review', acceptable: false, labels: { labels: { values: { spam: true, quality: 1 } } } },
    });
  });
});

describe('tree task screen: ranking', () => {
  it('ranks the replies with the keyboard alone, ties included, and sends message ids', async () => {
    const task = makeTask(6, {
      kind: 'rank',
      replies: [
        { id: 11, label: 'A', content: text('Six minutes.') },
        { id: 12, label: 'B', content: text('About six to seven minutes for a soft yolk.') },
        { id: 13, label: 'C', content: text('Ten minutes.') },
      ],
    });
    const api = mockApi({ [NEXT]: [next(task), next(null)], [submitKey(6)]: saved(6) });
    renderTrees();
    await currentTask();
    expect(within(screen.getByTestId('candidate-B')).getByText(/soft yolk/)).toBeInTheDocument();

    // Unranked at first: Enter on a response ranks it next and moves on to the next unranked one.
    expect(screen.getByTestId('tree-submit')).toBeDisabled();
    expect(screen.getByTestId('tree-submit-status')).toHaveTextContent('Rank the responses, or keep the order shown.');
    screen.getByTestId('rank-pool-B').focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByTestId('rank-item-B')).toHaveAttribute('data-rank', '1');
    expect(screen.getByTestId('rank-pool-C')).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByTestId('rank-pool-A')).toHaveFocus();
    expect(screen.getByTestId('tree-submit')).toBeDisabled();
    await userEvent.keyboard('{Enter}');
    // The last one placed keeps the focus: T ties it with the one above, Enter submits.
    expect(screen.getByTestId('rank-item-A')).toHaveFocus();
    await userEvent.keyboard('t');
    expect(screen.getByTestId('rank-item-C')).toHaveAttribute('data-rank', '2');
    expect(screen.getByTestId('rank-item-A')).toHaveAttribute('data-rank', '2');
    expect(screen.getByTestId('tree-submit')).toBeEnabled();
    await userEvent.keyboard('{Enter}');

    expect(await screen.findByTestId('tree-done')).toBeInTheDocument();
    expect(api.calls(submitKey(6))[0].body).toMatchObject({ answer: { kind: 'rank', ranking: [[12], [13, 11]] } });
  });
});

describe('annotator campaign list', () => {
  it('sends tree campaigns to the tree screen', async () => {
    const list: AnnotateCampaignList = {
      campaigns: [
        { slug: 'demo-trees', name: 'Trees', kind: 'trees', status: 'active', my_judgments: 0, available: 0 },
        { slug: 'demo', name: 'Items', kind: 'items', status: 'active', my_judgments: 0, available: 2 },
      ],
    };
    mockApi({ [NEXT]: next(null) });
    renderRoute(<CampaignList campaigns={list.campaigns} />, {
      path: '/annotate',
      url: '/annotate',
      extra: [
        { path: '/annotate/:slug/trees', element: <TreeTaskRoute /> },
        { path: '/annotate/:slug', element: <h1>Item task</h1> },
      ],
    });
    expect(screen.getByRole('link', { name: 'Start Items' })).toHaveAttribute('href', '/annotate/demo');
    await userEvent.click(screen.getByRole('link', { name: 'Start Trees' }));
    expect(await screen.findByTestId('tree-done')).toBeInTheDocument();
  });
});
