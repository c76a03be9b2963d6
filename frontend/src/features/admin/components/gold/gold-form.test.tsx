import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail, ItemDetail } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import type { ItemGoldState } from '../../api/get-item-gold';
import { GoldSection } from './gold-section';

const candidate = (id: number, position: number, text: string) => ({
  id,
  position,
  content: [{ type: 'text' as const, text }],
  model_name: null,
  model_params: {},
  latency_ms: null,
  round: 0,
  metadata: {},
  created_at: '2026-12-01T09:00:00Z',
});

const detail = {
  item: { id: 7, external_id: 'q-7' },
  candidates: [candidate(12, 1, 'Paris is in Germany.'), candidate(11, 0, 'Paris is the capital of France.'), candidate(13, 2, 'I cannot say.')],
} as unknown as ItemDetail;

const campaign = {
  slug: 'demo',
  spec: {
    questions: [
      { kind: 'pairwise', id: 'preference', prompt: 'Which is better?', allow_tie: true, allow_both_bad: false },
      { kind: 'ranking', id: 'ranking', prompt: 'Rank them' },
      { kind: 'binary', id: 'acceptable', prompt: 'Acceptable?' },
      { kind: 'negative_only', id: 'unacceptable', prompt: 'Mark the bad ones' },
      {
        kind: 'rating',
        id: 'rating',
        prompt: 'Rate them',
        attributes: [{ id: 'helpful', label: 'Helpful', scale: { min: 0, max: 4, anchors: {} }, required: true }],
      },
      { kind: 'text', id: 'why', prompt: 'Why?' },
    ],
  },
} as unknown as CampaignDetail;

const ordinary: ItemGoldState = { item_id: 7, is_gold: false, expected: null, feedback: null };

const renderGold = () =>
  renderRoute(<GoldSection slug="demo" detail={detail} />, { path: '/admin/campaigns/:slug/data/items/:itemId', url: '/admin/campaigns/demo/data/items/7' });

const question = (id: string) => screen.getByRole('group', { name: `Expected answer: ${id}` });
const check = async (user: ReturnType<typeof userEvent.setup>, id: string) =>
  user.click(within(question(id)).getByRole('checkbox', { name: 'Check answers to this question' }));

describe('data browser: the gold answer form', () => {
  it('lists the candidates by import letter and offers only the questions that can be checked', async () => {
    mockApi({ 'GET /api/campaigns/demo': () => jsonResponse(200, campaign), 'GET /api/campaigns/demo/items/7/gold': () => jsonResponse(200, ordinary) });
    renderGold();
    expect(await screen.findByTestId('gold-candidate-A')).toHaveTextContent('A — Paris is the capital of France.');
    expect(screen.getByTestId('gold-candidate-B')).toHaveTextContent('B — Paris is in Germany.');
    expect(screen.getByTestId('gold-state')).toHaveTextContent('An ordinary item');
    expect(screen.queryByRole('group', { name: 'Expected answer: why' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Make it an ordinary item' })).not.toBeInTheDocument();
  });

  it('builds the expected answer per kind, with accepted sets and tolerances, and feedback', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/items/7/gold': () => jsonResponse(200, ordinary),
      'PUT /api/campaigns/demo/items/7/gold': (request) =>
        jsonResponse(200, { item_id: 7, is_gold: true, ...(request.body as object), rescored: 2 }),
      'GET /api/campaigns/demo/items/7/detail': () => jsonResponse(200, detail),
    });
    const user = userEvent.setup();
    renderGold();
    await screen.findByTestId('gold-candidate-A');

    await check(user, 'preference');
    const pairwise = within(question('preference'));
    expect(pairwise.queryByRole('checkbox', { name: 'Both bad' })).not.toBeInTheDocument(); // not allowed
    await user.click(pairwise.getByRole('checkbox', { name: 'A' }));
    await user.click(pairwise.getByRole('checkbox', { name: 'Tie' }));

    await check(user, 'ranking');
    const ranking = within(question('ranking'));
    await user.click(ranking.getByRole('button', { name: 'Move C up' })); // A, C, B
    await user.type(ranking.getByRole('spinbutton'), '60');

    await check(user, 'acceptable');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Expected vote for B' }), 'down');

    await check(user, 'unacceptable');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Expected mark for B' }), 'unacceptable');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Expected mark for C' }), 'borderline');

    await check(user, 'rating');
    await user.type(screen.getByRole('spinbutton', { name: 'A Helpful expected' }), '4');
    const tolerance = screen.getByRole('spinbutton', { name: 'A Helpful tolerance' });
    await user.clear(tolerance);
    await user.type(tolerance, '1');

    await user.type(screen.getByRole('textbox', { name: /Feedback/ }), 'B puts Paris in Germany.');
    await user.click(screen.getByRole('button', { name: 'Mark as gold' }));

    expect(await screen.findByRole('status')).toHaveTextContent('2 judgments re-scored');
    const [put] = api.calls('PUT /api/campaigns/demo/items/7/gold');
    expect(put.body).toEqual({
      expected: {
        preference: { accept: ['A', 'tie'] },
        ranking: { order: ['A', 'C', 'B'], pass_share: 0.6 },
        acceptable: { votes: { B: 'down' } },
        unacceptable: { unacceptable: ['B'], borderline: ['C'] },
        rating: { scores: { A: { helpful: { value: 4, tolerance: 1 } } } },
      },
      feedback: 'B puts Paris in Germany.',
    });
  }, 30_000);

  it('reads a stored answer back, and clearing it makes the item ordinary again', async () => {
    const gold: ItemGoldState = {
      item_id: 7,
      is_gold: true,
      expected: { ranking: { top: ['B'] }, acceptable: { votes: { A: 'up' } } },
      feedback: 'Only B is right.',
    };
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/items/7/gold': () => jsonResponse(200, gold),
      'DELETE /api/campaigns/demo/items/7/gold': () => jsonResponse(200, { ...ordinary, rescored: 3 }),
      'GET /api/campaigns/demo/items/7/detail': () => jsonResponse(200, detail),
    });
    const user = userEvent.setup();
    renderGold();
    expect(await screen.findByTestId('gold-state')).toHaveTextContent('Gold: answers are scored');
    const ranking = within(question('ranking'));
    expect(ranking.getByRole('radio', { name: 'Only the best place' })).toBeChecked();
    expect(ranking.getByRole('checkbox', { name: 'B' })).toBeChecked();
    expect(screen.getByRole('combobox', { name: 'Expected vote for A' })).toHaveValue('up');
    expect(within(question('preference')).getByRole('checkbox', { name: 'Check answers to this question' })).not.toBeChecked();
    expect(screen.getByRole('textbox', { name: /Feedback/ })).toHaveValue('Only B is right.');

    await user.click(screen.getByRole('button', { name: 'Make it an ordinary item' }));
    expect(await screen.findByRole('status')).toHaveTextContent('3 judgments no longer scored');
    expect(api.calls('DELETE /api/campaigns/demo/items/7/gold')).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('gold-state')).toHaveTextContent('An ordinary item'));
    expect(screen.getByRole('textbox', { name: /Feedback/ })).toHaveValue('');
  });

  it('says what is missing before sending, and shows the server refusal per field', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/items/7/gold': () => jsonResponse(200, ordinary),
      'PUT /api/campaigns/demo/items/7/gold': () =>
        errorResponse(422, 'invalid_gold_answer', 'gold.expected.rating.scores.A.helpful: value must be between 0 and 4 (and 1 more)', [
          { field: 'gold.expected.rating.scores.A.helpful', message: 'value must be between 0 and 4' },
          { field: 'gold.expected.rating.scores.B.helpful', message: 'value must be between 0 and 4' },
        ]),
    });
    const user = userEvent.setup();
    renderGold();
    await screen.findByTestId('gold-candidate-A');
    await check(user, 'preference');
    await user.click(screen.getByRole('button', { name: 'Mark as gold' }));
    expect(within(question('preference')).getByRole('alert')).toHaveTextContent('tick at least one accepted choice');
    expect(api.calls('PUT /api/campaigns/demo/items/7/gold')).toHaveLength(0);

    await check(user, 'preference'); // unchecked: not part of the answer
    await check(user, 'rating');
    await user.type(screen.getByRole('spinbutton', { name: 'A Helpful expected' }), '9');
    await user.type(screen.getByRole('spinbutton', { name: 'B Helpful expected' }), '7');
    await user.click(screen.getByRole('button', { name: 'Mark as gold' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-error-code', 'invalid_gold_answer');
    expect(within(alert).getByText('gold.expected.rating.scores.B.helpful')).toBeInTheDocument();
  });
});
