import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { BrowsedItem, BrowsedJudgment, BrowsePage, JudgmentPage } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignDataRoute } from './campaign-data';

const row = (id: number, extra: Partial<BrowsedItem> = {}): BrowsedItem => ({
  id,
  external_id: `q-${id}`,
  status: 'ready',
  round: 0,
  language: 'en',
  is_gold: false,
  n_candidates: 2,
  n_judgments: 0,
  wanted: 3,
  has_disagreement: false,
  disagreement: 0,
  prompt_preview: `Prompt ${id}`,
  not_served_because: null,
  ...extra,
});

const page = (ids: number[], nextAfter: number | null, total: number | null = null): BrowsePage => ({
  items: ids.map((id) => row(id)),
  next_after: nextAfter,
  total,
  limit: 50,
});

const judgment = (id: number, annotator: string): BrowsedJudgment => ({
  id,
  item_id: 7,
  item_external_id: 'q-7',
  annotator,
  answers: { preference: { choice: 'A' } },
  shown_order: [12, 11],
  time_spent_ms: 4200,
  revision: 0,
  supersedes_id: null,
  is_current: true,
  created_at: '2026-12-01T10:00:00Z',
});

const ANN = 'ann-0123456789abcdef';
const judgments = (list: BrowsedJudgment[]): JudgmentPage => ({ judgments: list, next_after: null, limit: 50 });

const renderData = (url = '/admin/campaigns/demo/data') =>
  renderRoute(<CampaignDataRoute />, { path: '/admin/campaigns/:slug/data', url });

describe('data browser: items', () => {
  it('shows the rows with their counts and why an item is not served', async () => {
    mockApi({
      'GET /api/campaigns/demo/items/browse?limit=50': () =>
        jsonResponse(200, {
          ...page([], null, 2),
          items: [
            row(1, { status: 'pending', n_candidates: 1, not_served_because: '1 of 2 candidates' }),
            row(2, { n_judgments: 2, has_disagreement: true, disagreement: 1, is_gold: true }),
          ],
        }),
    });
    renderData();
    const pending = await screen.findByTestId('item-row-1');
    expect(within(pending).getByText('1 of 2 candidates')).toBeInTheDocument();
    expect(within(pending).getByRole('link', { name: 'q-1' })).toHaveAttribute('href', '/admin/campaigns/demo/data/items/1');
    const judged = screen.getByTestId('item-row-2');
    expect(within(judged).getByText('2 of 3')).toBeInTheDocument();
    expect(within(judged).getByText('disagree (1.00)')).toBeInTheDocument();
    expect(within(judged).getByText('gold')).toBeInTheDocument();
    expect(within(judged).getByText('served')).toBeInTheDocument();
    expect(screen.getByText('2 items match')).toBeInTheDocument();
  });

  it('applies the filters as the query of one request', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo/items/browse?limit=50': () => jsonResponse(200, page([1, 2, 3], null, 3)),
      'GET /api/campaigns/demo/items/browse?status=complete&model=good-model&judgments_min=2&min_disagreement=0.5&has_disagreement=true&limit=50': () =>
        jsonResponse(200, page([2], null)),
    });
    renderData();
    await screen.findByTestId('item-row-3');
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'complete');
    await userEvent.selectOptions(screen.getByLabelText('Disagreement'), 'true');
    await userEvent.type(screen.getByLabelText('Judgments ≥'), '2');
    await userEvent.type(screen.getByLabelText('Disagreement ≥'), '0.5');
    await userEvent.type(screen.getByLabelText('Model'), 'good-model');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByTestId('item-row-2')).toBeInTheDocument();
    expect(screen.queryByTestId('item-row-3')).toBeNull();
    expect(
      api.calls('GET /api/campaigns/demo/items/browse?status=complete&model=good-model&judgments_min=2&min_disagreement=0.5&has_disagreement=true&limit=50'),
    ).toHaveLength(1);
  });

  it('sorts by disagreement, highest first and back, keeping the order the server gives', async () => {
    const split = (id: number, disagreement: number) => row(id, { n_judgments: 3, has_disagreement: disagreement > 0, disagreement });
    const sorted = (items: BrowsedItem[]): BrowsePage => ({ items, next_after: null, total: items.length, limit: 50 });
    const api = mockApi({
      'GET /api/campaigns/demo/items/browse?limit=50': () => jsonResponse(200, page([1, 2, 3], null, 3)),
      'GET /api/campaigns/demo/items/browse?sort=disagreement_desc&limit=50': () =>
        jsonResponse(200, sorted([split(3, 1), split(1, 0.58), split(2, 0)])),
      'GET /api/campaigns/demo/items/browse?sort=disagreement_asc&limit=50': () =>
        jsonResponse(200, sorted([split(2, 0), split(1, 0.58), split(3, 1)])),
    });
    renderData();
    await screen.findByTestId('item-row-3');
    const order = () => screen.getAllByTestId(/^item-row-/).map((r) => r.getAttribute('data-testid'));
    expect(order()).toEqual(['item-row-1', 'item-row-2', 'item-row-3']);

    await userEvent.selectOptions(screen.getByLabelText('Order'), 'most disagreement first');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('disagree (0.58)')).toBeInTheDocument();
    expect(order()).toEqual(['item-row-3', 'item-row-1', 'item-row-2']);
    expect(screen.getByLabelText('Order')).toHaveValue('disagreement_desc');

    await userEvent.selectOptions(screen.getByLabelText('Order'), 'least disagreement first');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await screen.findByDisplayValue('least disagreement first');
    await vi.waitFor(() => expect(order()).toEqual(['item-row-2', 'item-row-1', 'item-row-3']));
    expect(api.calls('GET /api/campaigns/demo/items/browse?sort=disagreement_desc&limit=50')).toHaveLength(1);
    expect(api.calls('GET /api/campaigns/demo/items/browse?sort=disagreement_asc&limit=50')).toHaveLength(1);
  });

  it('reads the filters from the URL, so coming back from an item keeps them', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo/items/browse?language=pt-BR&gold=true&limit=50': () => jsonResponse(200, page([4], null, 1)),
    });
    renderData('/admin/campaigns/demo/data?language=pt-BR&gold=true');
    expect(await screen.findByTestId('item-row-4')).toBeInTheDocument();
    expect(screen.getByLabelText('Language')).toHaveValue('pt-BR');
    expect(screen.getByLabelText('Gold')).toHaveValue('true');
    expect(api.requests).toHaveLength(1);
  });

  it('pages by cursor: Next asks for the items after the last one, Previous goes back', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo/items/browse?limit=50': () => jsonResponse(200, page([1, 2], 2, 3)),
      'GET /api/campaigns/demo/items/browse?after=2&limit=50': () => jsonResponse(200, page([3], null)),
    });
    renderData();
    await screen.findByTestId('item-row-1');
    const pager = screen.getByRole('navigation', { name: 'Item pages' });
    expect(within(pager).getByRole('button', { name: 'Previous' })).toBeDisabled();
    await userEvent.click(within(pager).getByRole('button', { name: 'Next' }));
    expect(await screen.findByTestId('item-row-3')).toBeInTheDocument();
    expect(screen.queryByTestId('item-row-1')).toBeNull();
    expect(within(pager).getByText('Page 2')).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Next' })).toBeDisabled();
    await userEvent.click(within(pager).getByRole('button', { name: 'Previous' }));
    expect(await screen.findByTestId('item-row-1')).toBeInTheDocument();
    expect(api.calls('GET /api/campaigns/demo/items/browse?after=2&limit=50')).toHaveLength(1);
  });
});

describe('data browser: judgments', () => {
  it('lists judgments and filters them by an annotator pseudonym', async () => {
    const other = 'ann-fedcba9876543210';
    const api = mockApi({
      'GET /api/campaigns/demo/judgments?limit=50': () => jsonResponse(200, judgments([judgment(1, ANN), judgment(2, other)])),
      [`GET /api/campaigns/demo/judgments?annotator=${ANN}&limit=50`]: () => jsonResponse(200, judgments([judgment(1, ANN)])),
    });
    renderData('/admin/campaigns/demo/data?tab=judgments');
    const first = await screen.findByTestId('judgment-row-1');
    expect(within(first).getByText('preference: {"choice":"A"}')).toBeInTheDocument();
    expect(within(first).getByText('A = #12, B = #11')).toBeInTheDocument();
    expect(within(first).getByText('4.2 s')).toBeInTheDocument();
    expect(screen.getByTestId('judgment-row-2')).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Annotator'), 'someone@example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(screen.getByText(/named by a pseudonym/)).toBeInTheDocument();
    expect(api.requests).toHaveLength(1);

    await userEvent.clear(screen.getByLabelText('Annotator'));
    await userEvent.type(screen.getByLabelText('Annotator'), ANN);
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(await screen.findByText('Everyone')).toBeInTheDocument();
    expect(screen.queryByTestId('judgment-row-2')).toBeNull();
    expect(screen.getByTestId('judgment-row-1')).toBeInTheDocument();
    expect(api.calls(`GET /api/campaigns/demo/judgments?annotator=${ANN}&limit=50`)).toHaveLength(1);
  });
});
