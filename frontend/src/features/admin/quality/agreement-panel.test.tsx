import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { AgreementPanel } from './agreement-panel';
import type { Agreement, QualityFilters } from './api';

const BASE = '/api/campaigns/demo/quality/agreement';
const stats = (alpha: number | null, raw: number | null, units = 8) => ({ alpha, raw, units, values: units * 3 });

const report = (over: Partial<Agreement> = {}): Agreement => ({
  group_by: null,
  bucket: 'day',
  simulated: 'none',
  judgments: 96,
  measures: [
    { measure: 'preference', question: 'preference', kind: 'pairwise', level: 'nominal', ...stats(0.1234, 0.55) },
    { measure: 'rating.helpfulness', question: 'rating', kind: 'rating', level: 'ordinal', ...stats(null, null, 0) },
  ],
  timeline: [
    { start: '2026-12-01', measure: 'preference', ...stats(0.2, 0.6, 4) },
    { start: '2026-12-02', measure: 'preference', ...stats(0.05, 0.5, 4) },
  ],
  groups: [],
  ...over,
});

const render = (filters: QualityFilters = { round: null, groupBy: null, includeSimulated: false }) =>
  renderRoute(<AgreementPanel slug="demo" filters={filters} />, { path: '/', url: '/' });

describe('AgreementPanel', () => {
  it('shows alpha with its level and raw agreement per question, and the alpha-over-time chart', async () => {
    mockApi({ [`GET ${BASE}`]: () => jsonResponse(200, report()) });
    render();
    const table = await screen.findByRole('table', { name: 'Agreement per question' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('preferencenominal0.12355%8');
    expect(rows[2]).toHaveTextContent('rating.helpfulnessordinal––0');
    expect(screen.getByTestId('agreement-chart')).toHaveAccessibleName("Krippendorff's alpha over time");
    expect(screen.queryByRole('table', { name: 'Agreement per group' })).not.toBeInTheDocument();
  });

  it('asks per group and per week, and lists each group’s agreement', async () => {
    const grouped = report({
      group_by: 'group',
      groups: [
        { group: 'concise', annotators: 10, measure: 'preference', ...stats(0.81, 0.9) },
        { group: 'thorough', annotators: 9, measure: 'preference', ...stats(0.77, 0.88) },
      ],
    });
    const api = mockApi({
      [`GET ${BASE}?group_by=group`]: () => jsonResponse(200, grouped),
      [`GET ${BASE}?group_by=group&bucket=week`]: () => jsonResponse(200, { ...grouped, bucket: 'week' }),
    });
    render({ round: null, groupBy: 'group', includeSimulated: false });
    const table = await screen.findByRole('table', { name: 'Agreement per group' });
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('concise10preference0.81090%8');
    await userEvent.selectOptions(screen.getByLabelText('Alpha per'), 'week');
    await screen.findByRole('table', { name: 'Agreement per group' });
    expect(api.calls(`GET ${BASE}?group_by=group&bucket=week`)).toHaveLength(1);
  });

  it('says so when no question can be agreed on', async () => {
    mockApi({ [`GET ${BASE}`]: () => jsonResponse(200, report({ measures: [], timeline: [] })) });
    render();
    expect(await screen.findByText('No question here can be agreed on (free text only).')).toBeInTheDocument();
  });
});
