import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import type { GroupDisagreement, ModelStanding, QualityBoard, QualityLeaderboard } from './api';
import type { ProgressPoint, QualityProgress } from './progress-api';
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
// The Overview asks for progress; its charts are checked in the test below.
const point = (start: string, judgments: number, cumulative: number, gold: number | null): ProgressPoint => ({
  start,
  judgments,
  cumulative,
  gold_judged: gold === null ? 0 : 2,
  gold_accuracy: gold,
});
const progress: QualityProgress = {
  bucket: 'hour',
  items: 10,
  items_complete: 4,
  judgments: 15,
  judgments_target: 30,
  median_seconds: 7.38,
  gold_judged: 4,
  gold_accuracy: 0.625,
  throughput: { judgments_last_hour: 9, judgments_per_hour_last_day: 0.63, annotators_last_hour: 3, annotators_last_day: 5 },
  timeline: [
    point('2026-12-07T10:00:00Z', 6, 6, 0.5),
    point('2026-12-07T11:00:00Z', 0, 6, null),
    point('2026-12-07T12:00:00Z', 9, 15, 0.75),
  ],
};
AGREEMENT[`GET ${BASE}/progress`] = () => jsonResponse(200, progress);
// The Annotators part has its own tests (annotators-panel.test.tsx).
AGREEMENT[`GET ${BASE}/annotators`] = () => jsonResponse(200, { grouping: 'viewpoints', computed_at: '2026-12-07T03:00:00Z', rules: [], annotators: [] });
const render = () => renderRoute(<QualitySection slug="demo" surveyFields={['country']} />, { path: '/', url: '/' });

describe('quality section', () => {
  it('opens on an overview: progress figures, judgments against the target, per hour, and gold accuracy', async () => {
    mockApi({ ...AGREEMENT, [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard()) });
    const { container } = render();
    expect(await screen.findByTestId('progress-judgments')).toHaveTextContent('15 of 30 (50%)');
    expect(screen.getByTestId('progress-items-complete')).toHaveTextContent('4 of 10');
    expect(screen.getByTestId('progress-judgments-last-hour')).toHaveTextContent('9');
    expect(screen.getByTestId('progress-annotators-active')).toHaveTextContent('3 / 5');
    expect(screen.getByTestId('progress-median-seconds')).toHaveTextContent('7.38');
    expect(screen.getByTestId('progress-gold-accuracy')).toHaveTextContent('63% of 4');
    // Each chart draws its shapes: the cumulative area, a bar per hour with judgments, the gold line.
    const chart = screen.getByTestId('progress-chart');
    await waitFor(() => expect(chart.querySelector('.recharts-area-area')).not.toBeNull());
    expect(chart.querySelector('.recharts-reference-line')).not.toBeNull();
    await waitFor(() => expect(screen.getByTestId('throughput-chart').querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThanOrEqual(2));
    expect(screen.getByTestId('gold-chart').querySelector('.recharts-line-curve')).not.toBeNull();
    // The sub-sections, each reachable from the nav.
    const nav = screen.getByRole('navigation', { name: 'Quality sections' });
    const links = within(nav).getAllByRole('link').map((a) => a.getAttribute('href'));
    expect(links).toEqual(['#quality-overview', '#quality-leaderboard', '#quality-agreement', '#quality-annotators', '#quality-disagreement']);
    for (const href of links) expect(container.querySelector(href ?? '')).not.toBeNull();
  }, 20_000);

  it('draws the leaderboard chart with interval whiskers, the standings and the win-rate matrix', async () => {
    mockApi({
      ...AGREEMENT, [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard()) });
    render();
    const table = await screen.findByRole('table', { name: 'Model leaderboard' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('1terse10701053 – 108770%120');
    expect(rows[2]).toHaveTextContent('2verbose930913 – 94730%120');
    expect(screen.getByTestId('leaderboard-chart')).toHaveAccessibleName('Model ratings with 95% intervals');
    // One bar and one whisker per model.
    const chart = screen.getByTestId('leaderboard-chart');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2));
    expect(chart.querySelectorAll('.recharts-errorBar')).toHaveLength(2);
    const matrix = screen.getByRole('table', { name: 'Win rate of the row model against the column model' });
    expect(within(matrix).getByRole('row', { name: /^terse/ })).toHaveTextContent('terse—71% (120)');
    expect(within(matrix).getByRole('row', { name: /^verbose/ })).toHaveTextContent('verbose29% (120)—');
    expect(screen.getByText(/Simulated annotators are left out/)).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'round 1' })).toBeInTheDocument();
  }, 20_000);

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
  }, 20_000);

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
  }, 20_000);

  it('says so when a campaign has no pairwise question', async () => {
    mockApi({
      ...AGREEMENT, [`GET ${BASE}/leaderboard`]: () => jsonResponse(200, leaderboard({ question: null, rounds: [], overall: { judgments: 0, models: [], matrix: [] } })) });
    render();
    expect(await screen.findByText('This campaign has no pairwise or ranking question, so there is no leaderboard.')).toBeInTheDocument();
  });
});
