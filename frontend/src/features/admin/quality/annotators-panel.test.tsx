import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import type { AnnotatorReliability, Annotators } from './annotators-api';
import { AnnotatorsPanel } from './annotators-panel';

const BASE = '/api/campaigns/demo/quality/annotators';
const evidence = (value: number | null, n: number) => ({ value, n, p_value: null });

const annotator = (over: Partial<AnnotatorReliability>): AnnotatorReliability => ({
  user_id: 1,
  username: 'ada',
  group: 'viewpoint 1',
  judgments: 40,
  score: 0.8,
  standing: 'ok',
  standing_reason: null,
  standing_source: null,
  evidence: {
    score: evidence(0.8, 40),
    gold_accuracy: evidence(0.9, 10),
    peer_agreement: evidence(0.75, 33),
    left_share: { value: 0.5, n: 40, p_value: 1 },
    position_bias_p: evidence(1, 40),
    speed_ratio: evidence(1.1, 40),
    straight_lining: evidence(null, 0),
    skip_rate: evidence(0, 40),
    report_rate: evidence(0, 40),
  },
  fired_rules: [],
  ...over,
});

const clicker = annotator({
  user_id: 2,
  username: 'bob',
  score: 0.05,
  standing: 'flagged',
  standing_source: 'rule',
  standing_reason: 'left share 1.00 > 0.9 after 40 pairwise answers',
  fired_rules: ['left share 1.00 > 0.9 after 40 pairwise answers'],
});

const report = (annotators: AnnotatorReliability[]): Annotators => ({
  annotators,
  rules: [{ measure: 'left_share', above: 0.9, below: null, min_evidence: 20, action: 'flag' }],
  grouping: 'viewpoints',
  computed_at: '2026-12-07T03:00:00Z',
});

const render = () => renderRoute(<AnnotatorsPanel slug="demo" />, { path: '/', url: '/' });

describe('AnnotatorsPanel', () => {
  it('lists each annotator with score, measures and their evidence n, and the flag with its reason', async () => {
    mockApi({ [`GET ${BASE}`]: () => jsonResponse(200, report([annotator({}), clicker])) });
    render();
    const table = await screen.findByRole('table', { name: 'Annotator reliability' });
    const rows = within(table).getAllByRole('row');
    // Lowest score first.
    expect(rows[1]).toHaveTextContent('bob');
    expect(rows[1]).toHaveAttribute('data-standing', 'flagged');
    expect(rows[1]).toHaveTextContent('left share 1.00 > 0.9 after 40 pairwise answers');
    expect(rows[2]).toHaveTextContent('ada');
    expect(rows[2]).toHaveTextContent('0.90 n=10');
    expect(rows[2]).toHaveTextContent('0.75 n=33');
    expect(screen.getByText(/2 annotators, 1 flagged or excluded/)).toBeInTheDocument();
  });

  it('sorts by a column, and the other way on a second click', async () => {
    mockApi({ [`GET ${BASE}`]: () => jsonResponse(200, report([annotator({}), clicker])) });
    render();
    const table = await screen.findByRole('table', { name: 'Annotator reliability' });
    await userEvent.click(within(table).getByRole('button', { name: 'Annotator' }));
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('ada');
    await userEvent.click(within(table).getByRole('button', { name: 'Annotator' }));
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('bob');
    expect(within(table).getByRole('columnheader', { name: 'Annotator' })).toHaveAttribute('aria-sort', 'descending');
  });

  it('excludes an annotator with the reason typed, and shows the new standing', async () => {
    const excluded = { ...clicker, standing: 'excluded' as const, standing_source: 'researcher' as const, standing_reason: 'always A' };
    const api = mockApi({
      [`GET ${BASE}`]: [() => jsonResponse(200, report([annotator({}), clicker])), () => jsonResponse(200, report([annotator({}), excluded]))],
      [`POST ${BASE}/2/standing`]: () => jsonResponse(200, excluded),
    });
    render();
    await screen.findByRole('table', { name: 'Annotator reliability' });
    await userEvent.type(screen.getByLabelText('Reason for bob'), 'always A');
    await userEvent.click(screen.getByRole('button', { name: 'Exclude bob' }));
    expect(await screen.findByText('always A')).toBeInTheDocument();
    expect(api.calls(`POST ${BASE}/2/standing`)[0].body).toEqual({ standing: 'excluded', reason: 'always A' });
    expect(screen.getByRole('button', { name: 'Restore bob' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Exclude bob' })).not.toBeInTheDocument();
  });

  it('says so before anyone judged', async () => {
    mockApi({ [`GET ${BASE}`]: () => jsonResponse(200, report([])) });
    render();
    expect(await screen.findByText('No annotator has judged anything here yet.')).toBeInTheDocument();
  });
});
