import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail, FlaggedTreeMessageList, TreeDetail, TreeList, TreeNode, TreeSummary } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { exportFormats } from '../testing/export-formats';
import { CampaignRoute } from './campaign';

const campaign: CampaignDetail = {
  id: 1,
  slug: 'trees',
  name: 'Tree campaign',
  status: 'active',
  version: 1,
  redundancy: 1,
  created_at: '2025-01-01T00:00:00Z',
  progress: { items: 0, items_complete: 0, judgments: 0, judgments_target: 0 },
  contents: { items: 0, judgments: 0, trees: 0, exports: 0 },
  transitions: ['paused', 'closed'],
  deletable: false,
  spec: {
    name: 'Tree campaign',
    slug: 'trees',
    guidelines: '',
    redundancy: 1,
    lease_minutes: 30,
    priority: 0,
    min_candidates: 2,
    max_candidates_shown: 4,
    max_open_leases: 1,
    undo_seconds: 0,
    pair_selection: 'balanced',
    questions: [],
    trees: {
      acceptance_threshold: 0.5,
      consensus: 'ranked_pairs',
      goal_tree_size: 4,
      lang: 'en',
      lone_reply_sibling_probability: 0.75,
      max_active_trees: 10,
      max_children: 2,
      max_depth: 2,
      rankings_needed: 1,
      reply_max_length: 4000,
      reply_min_length: 10,
      reviews_needed_prompt: 1,
      reviews_needed_reply: 1,
    },
  },
};

const node = (id: number, role: TreeNode['role'], text: string, extra: Partial<TreeNode> = {}): TreeNode => ({
  id,
  role,
  content: [{ type: 'text', text }],
  lang: 'en',
  depth: 0,
  author_id: 4,
  model_name: null,
  review_state: 'accepted',
  review_count: 2,
  acceptance: 1,
  ranking_count: 0,
  rank: null,
  deleted: false,
  labels: {},
  created_at: '2025-01-02T00:00:00Z',
  replies: [],
  ...extra,
});

const tree = (extra: Partial<TreeDetail> = {}): TreeDetail => ({
  id: 9,
  state: 'growing',
  size: 3,
  lang: 'en',
  prompt: 'How do tides work?',
  created_at: '2025-01-02T00:00:00Z',
  state_changed_at: null,
  halt_reason: null,
  root: node(1, 'prompter', 'How do tides work?', {
    ranking_count: 1,
    replies: [
      node(2, 'assistant', 'The **moon** pulls the sea.', {
        depth: 1,
        rank: 0,
        labels: { quality: { value: 3.5, count: 2 } },
        replies: [node(4, 'prompter', 'And the sun?', { depth: 2, review_state: 'pending', acceptance: null, review_count: 0 })],
      }),
      node(3, 'assistant', 'Wind.', { depth: 1, rank: 1, model_name: 'alpha', author_id: null, review_state: 'rejected', acceptance: 0 }),
    ],
  }),
  ...extra,
});

const list: TreeList = {
  counts: { growing: 1, ready_for_export: 2 },
  trees: [{ id: 9, state: 'growing', size: 3, lang: 'en', prompt: 'How do tides work?', created_at: '2025-01-02T00:00:00Z', state_changed_at: null }],
};

const flagged: FlaggedTreeMessageList = {
  messages: [{ id: 3, tree_id: 9, role: 'assistant', text: 'Wind.', review_state: 'rejected', deleted: false, flags: { spam: { value: 1, count: 1 } } }],
};

const routes = {
  'GET /api/campaigns/trees': () => jsonResponse(200, campaign),
  'GET /api/campaigns/trees/exports': () => jsonResponse(200, { exports: [] }),
  'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
  'GET /api/campaigns/trees/generation-jobs': () => jsonResponse(200, { jobs: [] }),
  'GET /api/models': () => jsonResponse(200, { models: [] }),
  'GET /api/campaigns/trees/trees?limit=50': () => jsonResponse(200, list),
  'GET /api/campaigns/trees/trees?limit=50&state=ready_for_export': () => jsonResponse(200, { ...list, trees: [] }),
  'GET /api/campaigns/trees/tree-messages/flagged': () => jsonResponse(200, flagged),
  'GET /api/trees/9': () => jsonResponse(200, tree()),
};

const renderCampaign = () => renderRoute(<CampaignRoute />, { path: '/admin/campaigns/:slug', url: '/admin/campaigns/trees' });

describe('admin trees section', () => {
  it('counts trees by state, filters the list, and lists flagged messages', async () => {
    const api = mockApi(routes);
    renderCampaign();
    const counts = await screen.findByTestId('tree-counts');
    await waitFor(() => expect(counts).toHaveTextContent('ready for export: 2'));
    expect(counts).toHaveTextContent('growing: 1');
    expect(await screen.findByTestId('tree-row-9')).toHaveTextContent('How do tides work?');
    expect(await screen.findByTestId('flagged-3')).toHaveTextContent('spam 1 (1)');

    await userEvent.selectOptions(screen.getByLabelText('Show'), 'ready_for_export');
    expect(await screen.findByText('No trees ready for export yet.')).toBeInTheDocument();
    expect(api.calls('GET /api/campaigns/trees/trees?limit=50&state=ready_for_export')).toHaveLength(1);
  });

  it('shows a tree nested, with review state, acceptance, rank, labels and model', async () => {
    mockApi(routes);
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Open #9' }));
    const root = await screen.findByTestId('tree-node-1');
    const first = within(root).getByTestId('tree-node-2');
    // Replies sit inside their parent's entry: 4 answers 2, which answers the root.
    expect(within(first).getByTestId('tree-node-4')).toHaveTextContent('And the sun?');
    expect(within(first).getByTestId('tree-node-4')).toHaveTextContent('pending');
    expect(first).toHaveTextContent('rank 1');
    expect(first).toHaveTextContent('quality 3.5 (2)');
    expect(first).toHaveTextContent('100% acceptable (2)');
    const second = within(root).getByTestId('tree-node-3');
    expect(second).toHaveTextContent('model alpha');
    expect(second).toHaveTextContent('rejected');
    expect(second).toHaveTextContent('rank 2');
  });

  it('halts a tree with a reason', async () => {
    const api = mockApi({
      ...routes,
      'POST /api/trees/9/halt': () => jsonResponse(200, tree({ state: 'halted_by_moderator', halt_reason: 'Off topic' })),
    });
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Open #9' }));
    const view = await screen.findByTestId('tree-view');
    const halt = await within(view).findByRole('button', { name: 'Halt tree' });
    expect(halt).toBeDisabled();
    await userEvent.type(within(view).getByLabelText('Reason to halt'), 'Off topic');
    await userEvent.click(halt);

    expect(await within(view).findByText('halted by moderator: Off topic')).toBeInTheDocument();
    expect(within(view).queryByRole('button', { name: 'Halt tree' })).toBeNull();
    expect(api.calls('POST /api/trees/9/halt')[0].body).toEqual({ reason: 'Off topic' });
  });

  it('deletes a message after a confirmation, and shows a refusal', async () => {
    const api = mockApi({
      ...routes,
      'DELETE /api/tree-messages/3': [() => errorResponse(404, 'tree_message_not_found', 'No message 3'), () => jsonResponse(200, { deleted: 1 })],
    });
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Open #9' }));
    const message = await screen.findByTestId('tree-node-3');
    await userEvent.click(within(message).getByRole('button', { name: 'Delete…' }));
    expect(api.calls('DELETE /api/tree-messages/3')).toHaveLength(0);
    await userEvent.click(within(message).getByRole('button', { name: 'Yes, delete' }));
    expect(await within(message).findByRole('alert')).toHaveTextContent('No message 3');
    await userEvent.click(within(message).getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(api.calls('DELETE /api/tree-messages/3')).toHaveLength(2));
    await waitFor(() => expect(api.calls('GET /api/trees/9').length).toBeGreaterThan(1));
  });

  it('shows no pager when every tree fits on one page', async () => {
    mockApi(routes);
    renderCampaign();
    expect(await screen.findByTestId('tree-row-9')).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Tree pages' })).toBeNull();
  });

  it('leaves the section out for item campaigns', async () => {
    mockApi({ ...routes, 'GET /api/campaigns/trees': () => jsonResponse(200, { ...campaign, spec: { ...campaign.spec, trees: null } }) });
    renderCampaign();
    expect(await screen.findByRole('heading', { name: 'Tree campaign' })).toBeInTheDocument();
    expect(screen.queryByTestId('trees-panel')).toBeNull();
  });
});

// 137 trees, newest (highest id) first: 100 growing, then 37 ready for export.
const summary = (id: number): TreeSummary => ({
  id,
  state: id > 37 ? 'growing' : 'ready_for_export',
  size: 1,
  lang: 'en',
  prompt: `Prompt ${id}`,
  created_at: '2025-01-02T00:00:00Z',
  state_changed_at: null,
});
const page = (first: number, size: number): TreeList => ({
  counts: { growing: 100, ready_for_export: 37 },
  trees: Array.from({ length: size }, (_, i) => summary(first - i)),
});

const pagedRoutes = {
  ...routes,
  'GET /api/campaigns/trees/trees?limit=50': () => jsonResponse(200, page(137, 50)),
  'GET /api/campaigns/trees/trees?limit=50&offset=50': () => jsonResponse(200, page(87, 50)),
  'GET /api/campaigns/trees/trees?limit=50&offset=100': () => jsonResponse(200, page(37, 37)),
  'GET /api/campaigns/trees/trees?limit=50&state=growing': () => jsonResponse(200, page(137, 50)),
};

const pager = async () => screen.findByRole('navigation', { name: 'Tree pages' });

describe('admin trees paging', () => {
  it('asks for the next 50 trees and says which of them are shown', async () => {
    const api = mockApi(pagedRoutes);
    renderCampaign();
    const pages = await pager();
    expect(pages).toHaveTextContent('Trees 1–50 of 137');
    await userEvent.click(within(pages).getByRole('button', { name: 'Next' }));

    expect(await screen.findByTestId('tree-row-87')).toHaveTextContent('Prompt 87');
    expect(screen.getByTestId('tree-row-38')).toBeInTheDocument();
    expect(screen.queryByTestId('tree-row-88')).toBeNull();
    expect(pages).toHaveTextContent('Trees 51–100 of 137');
    expect(api.calls('GET /api/campaigns/trees/trees?limit=50&offset=50')).toHaveLength(1);
  });

  it('disables Previous on the first page and Next on the last', async () => {
    mockApi(pagedRoutes);
    renderCampaign();
    const pages = await pager();
    const previous = within(pages).getByRole('button', { name: 'Previous' });
    const next = within(pages).getByRole('button', { name: 'Next' });
    expect(previous).toBeDisabled();
    expect(next).toBeEnabled();

    await userEvent.click(next);
    await waitFor(() => expect(pages).toHaveTextContent('Trees 51–100 of 137'));
    await waitFor(() => expect(next).toBeEnabled());
    await userEvent.click(next);

    expect(await screen.findByTestId('tree-row-1')).toBeInTheDocument();
    expect(pages).toHaveTextContent('Trees 101–137 of 137');
    expect(next).toBeDisabled();
    expect(previous).toBeEnabled();
    await userEvent.click(previous);
    expect(await screen.findByTestId('tree-row-87')).toBeInTheDocument();
    expect(pages).toHaveTextContent('Trees 51–100 of 137');
  });

  it('keeps the current page on screen while the next one loads', async () => {
    let answer: (response: Response) => void = () => {};
    const api = mockApi({
      ...pagedRoutes,
      'GET /api/campaigns/trees/trees?limit=50&offset=50': () => new Promise<Response>((resolve) => (answer = resolve)),
    });
    renderCampaign();
    const pages = await pager();
    await userEvent.click(within(pages).getByRole('button', { name: 'Next' }));

    expect(screen.getByTestId('tree-row-137')).toBeInTheDocument();
    expect(within(pages).getByRole('button', { name: 'Next' })).toBeDisabled();
    await waitFor(() => expect(api.calls('GET /api/campaigns/trees/trees?limit=50&offset=50')).toHaveLength(1));
    answer(jsonResponse(200, page(87, 50)));
    expect(await screen.findByTestId('tree-row-87')).toBeInTheDocument();
    expect(screen.queryByTestId('tree-row-137')).toBeNull();
  });

  it('goes back to the first page when the state filter changes', async () => {
    const api = mockApi(pagedRoutes);
    renderCampaign();
    const pages = await pager();
    await userEvent.click(within(pages).getByRole('button', { name: 'Next' }));
    expect(await screen.findByTestId('tree-row-87')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Show'), 'growing');
    expect(await screen.findByTestId('tree-row-137')).toBeInTheDocument();
    expect(await pager()).toHaveTextContent('Trees 1–50 of 100');
    expect(api.calls('GET /api/campaigns/trees/trees?limit=50&state=growing')).toHaveLength(1);
    expect(api.requests.filter((r) => r.url.includes('state=growing') && r.url.includes('offset='))).toHaveLength(0);
  });
});
