import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import type { GroupDisagreement, ModelStanding, QualityBoard, QualityLeaderboard } from './api';
import QualitySection from './quality-section';

const standing = (model: string, rank: number, score: number, rating: number): ModelStanding => ({
  model,
  rank,
  score,
  low: score - 0.1,
  high: score + 0.1,
  rating,
  rating_low: rating - 17,
  rating_high: rating + 17,
  judgments: 120,
  win_rate: score > 0 ? 0.7 : 0.3,
});

const board = (models: ModelStanding[]): QualityBoard => ({
  judgments: 120,
  models,
  matrix: [
    { model: 'terse', opponent: 'verbose', wins: 80, losses: 30, ties: 10, both_bad: 4, win_rate: 0.7083 },
    { model: 'verbose', opponent: 'terse', wins: 30, losses: 80, ties: 10, both_bad: 4, win_rate: 0.2917 },
  ],
});

const overall = board([standing('terse', 1, 0.4, 1070), standing('verbose', 2, -0.4, 930)]);
const leaderboard = (over: Partial<QualityLeaderboard> = {}): QualityLeaderboard => ({
  question: 'preference',
  round: null,
  rounds: [0, 1],
  group_by: null,
  simulated: 'excluded',
  overall,
  groups: [],
  ...over,
});

const byGroup = leaderboard({
  group_by: 'group',
  groups: [
    { group: 'concise', annotators: 10, board: board([standing('terse', 1, 1.2, 1208), standing('verbose', 2, -1.2, 792)]) },
    { group: 'thorough', annotators: 10, board: board([standing('verbose', 1, 1.1, 1191), standing('terse', 2, -1.1, 809)]) },
  ],
});

const disagreement: GroupDisagreement = {
  question: 'preference',
  round: null,
  group_by: 'group',
  simulated: 'excluded',
  groups: { concise: 10, thorough: 10 },
  pairs: [
    {
      first: 'terse',
      second: 'verbose',
      spread: 0.82,
      judgments: 80,
      groups: [
        { group: 'concise', judgments: 40, first_win_rate: 0.91 },
        { group: 'thorough', judgments: 40, first_win_rate: 0.09 },
      ],
    },
  ],
  items: [
    {
      item_id: 7,
      external_id: 'split-3',
      round: 0,
      first: 'terse',
      second: 'verbose',
      spread: 0.6,
      judgments: 4,
      groups: [
        { group: 'concise', judgments: 2, first_win_rate: 0.75 },
        { group: 'thorough', judgments: 2, first_win_rate: 0.25 },
      ],
    },
  ],
};

const BASE = '/api/campaigns/demo/quality';
const noAgreement = { group_by: null, bucket: 'day' as const, simulated: 'none' as const, judgments: 0, measures: [], timeline: [], groups: [] };
// The agreement part below the leaderboard asks too; its own tests are in agreement-panel.test.tsx.
const AGREEMENT = Object.fromEntries(
  ['', '?group_by=group', '?group_by=country'].map((q) => [`GET ${BASE}/agreement${q}`, () => jsonResponse(200, noAgreement)]),
);
AGREEMENT[`GET ${BASE}/agreement?group_by=nope`] = () => errorResponse(422, 'unknown_group_field', 'No profile question', { fields: [] });
const render = () => renderRoute(<QualitySection slug="demo" surveyFields={['country']} />, { path: '/', url: '/' });

describe('quality section', () => {
  it('draws the leaderboard chart with interval whiskers, the standings and the win-rate matrix', async () => {
    mockApi({
      ...AGREEMENT, [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard()) });
    const { container } = render();
    const table = await screen.findByRole('table', { name: 'Model leaderboard' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('1terse10701053 – 108770%120');
    expect(rows[2]).toHaveTextContent('2verbose930913 – 94730%120');
    expect(screen.getByTestId('leaderboard-chart')).toHaveAccessibleName('Model ratings with 95% intervals');
    // One bar and one whisker per model.
    await waitFor(() => expect(container.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2));
    expect(container.querySelectorAll('.recharts-errorBar')).toHaveLength(2);
    const matrix = screen.getByRole('table', { name: 'Win rate of the row model against the column model' });
    expect(within(matrix).getByRole('row', { name: /^terse/ })).toHaveTextContent('terse—71% (120)');
    expect(within(matrix).getByRole('row', { name: /^verbose/ })).toHaveTextContent('verbose29% (120)—');
    expect(screen.getByText(/Simulated annotators are left out/)).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'round 1' })).toBeInTheDocument();
  });

  it('shows a leaderboard per group and where the groups disagree once a group field is chosen', async () => {
    const api = mockApi({
      ...AGREEMENT,
      [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard()),
      [`GET ${BASE}/leaderboard?group_by=group`]: () => jsonResponse(200, byGroup),
      [`GET ${BASE}/group-disagreement?group_by=group&limit=20`]: () => jsonResponse(200, disagreement),
    });
    render();
    await screen.findByRole('table', { name: 'Model leaderboard' });
    await userEvent.type(screen.getByLabelText('Group annotators by'), 'group{Enter}');
    const concise = await screen.findByRole('table', { name: 'Model leaderboard for concise' });
    expect(within(concise).getAllByRole('row')[1]).toHaveTextContent('terse');
    const thorough = screen.getByRole('table', { name: 'Model leaderboard for thorough' });
    expect(within(thorough).getAllByRole('row')[1]).toHaveTextContent('verbose');
    const pairs = await screen.findByRole('table', { name: 'Model pairs where groups disagree most' });
    expect(within(pairs).getAllByRole('row')[1]).toHaveTextContent('terse vs verbose82%concise: 91% (40)thorough: 9% (40)');
    const items = screen.getByRole('table', { name: 'Items where groups disagree most' });
    expect(within(items).getByRole('link', { name: 'split-3' })).toHaveAttribute('href', '/admin/campaigns/demo/data/items/7');
    expect(api.calls(`GET ${BASE}/group-disagreement?group_by=group&limit=20`)).toHaveLength(1);
  });

  it('offers the fields there are when the group field is unknown', async () => {
    mockApi({
      ...AGREEMENT,
      [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard()),
      [`GET ${BASE}/leaderboard?group_by=nope`]: () =>
        errorResponse(422, 'unknown_group_field', 'No profile question', { fields: ['annotator_group', 'country'] }),
      [`GET ${BASE}/leaderboard?group_by=country`]: () => jsonResponse(200, { ...leaderboard(), group_by: 'country' }),
      [`GET ${BASE}/group-disagreement?group_by=country&limit=20`]: () => jsonResponse(200, { ...disagreement, group_by: 'country' }),
    });
    render();
    await screen.findByRole('table', { name: 'Model leaderboard' });
    await userEvent.type(screen.getByLabelText('Group annotators by'), 'nope{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('No profile question “nope” here.');
    await userEvent.click(within(alert).getByRole('button', { name: 'country' }));
    expect(await screen.findByRole('table', { name: 'Model pairs where groups disagree most' })).toBeInTheDocument();
    expect(screen.getByLabelText('Group annotators by')).toHaveValue('country');
  });

  it('says so when a campaign has no pairwise question', async () => {
    mockApi({
      ...AGREEMENT, [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard({ question: null, rounds: [], overall: { judgments: 0, models: [], matrix: [] } })) });
    render();
    expect(await screen.findByText('This campaign has no pairwise question, so there is no leaderboard.')).toBeInTheDocument();
  });
});
