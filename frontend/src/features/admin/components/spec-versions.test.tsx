import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { SpecVersionList } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { SpecVersions } from './spec-versions';

const versions: SpecVersionList = {
  current: 3,
  versions: [
    { version: 1, created_at: '2025-01-01T00:00:00Z', created_by: 'ada', judgments: 12 },
    { version: 2, created_at: '2025-01-02T00:00:00Z', created_by: 'ada', judgments: 5 },
    { version: 3, created_at: '2025-01-03T00:00:00Z', created_by: null, judgments: 0 },
  ],
};

const diff = (from: number, to: number, changes: unknown[]) => () => jsonResponse(200, { from_version: from, to_version: to, changes });

describe('spec versions', () => {
  it('lists every version with the judgments made under it', async () => {
    mockApi({
      'GET /api/campaigns/demo/versions': () => jsonResponse(200, versions),
      'GET /api/campaigns/demo/versions/diff?from_version=2&to_version=3': diff(2, 3, []),
    });
    renderRoute(<SpecVersions slug="demo" current={3} />, { path: '/', url: '/' });

    const table = await screen.findByRole('table', { name: 'Spec versions' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').map((c, i) => (i === 1 ? '' : c.textContent)))).toEqual([
      ['1', '', 'ada', '12'],
      ['2', '', 'ada', '5'],
      ['3 current', '', '—', '0'],
    ]);
  });

  it('shows the diff of the two versions chosen, path, before and after', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo/versions': () => jsonResponse(200, versions),
      'GET /api/campaigns/demo/versions/diff?from_version=2&to_version=3': diff(2, 3, [
        { path: 'redundancy', kind: 'changed', old: 3, new: 5 },
      ]),
      'GET /api/campaigns/demo/versions/diff?from_version=1&to_version=3': diff(1, 3, [
        { path: 'questions[preference].aspects[safety]', kind: 'removed', old: { id: 'safety', label: 'Safety' }, new: null },
        { path: 'questions[rationale]', kind: 'added', old: null, new: { kind: 'text', id: 'rationale' } },
      ]),
    });
    renderRoute(<SpecVersions slug="demo" current={3} />, { path: '/', url: '/' });

    // The newest pair first.
    const newest = await screen.findByRole('table', { name: 'Changes from version 2 to 3' });
    expect(within(newest).getAllByRole('cell').map((c) => c.textContent)).toEqual(['redundancy', 'changed', '3', '5']);

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'From version' }), '1');

    const chosen = await screen.findByRole('table', { name: 'Changes from version 1 to 3' });
    const rows = within(chosen).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['questions[preference].aspects[safety]', 'removed', '{"id":"safety","label":"Safety"}', '—'],
      ['questions[rationale]', 'added', '—', '{"kind":"text","id":"rationale"}'],
    ]);
    expect(api.calls('GET /api/campaigns/demo/versions/diff?from_version=1&to_version=3')).toHaveLength(1);
  });

  it('asks for two different versions before diffing', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo/versions': () => jsonResponse(200, versions),
      'GET /api/campaigns/demo/versions/diff?from_version=2&to_version=3': diff(2, 3, []),
    });
    renderRoute(<SpecVersions slug="demo" current={3} />, { path: '/', url: '/' });
    await screen.findByText('No changes.');

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'To version' }), '2');

    expect(screen.getByText('Pick two different versions.')).toBeInTheDocument();
    expect(api.requests.filter((r) => r.url.includes('from_version=2&to_version=2'))).toEqual([]);
  });
});
