import { QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';

import { createTestQueryClient, jsonResponse, mockApi } from '@/testing/test-utils';

import { getIn, setIn, type SpecDocument, type SpecPath, type SpecValue } from './spec-document';
import { SpecEditingContext } from './spec-fields';
import { SpecForm } from './spec-form';

function renderForm(initial: SpecDocument) {
  mockApi({ 'GET /api/groups': () => jsonResponse(200, []) });
  const state = { spec: initial };
  const editing = {
    spec: initial,
    set: (path: SpecPath, value: SpecValue | undefined) => (state.spec = setIn(state.spec, path, value)),
    move: () => undefined,
    problems: {},
  };
  render(
    <QueryClientProvider client={createTestQueryClient()}>
      <SpecEditingContext.Provider value={editing}>
        <SpecForm />
      </SpecEditingContext.Provider>
    </QueryClientProvider>,
  );
  return state;
}

const SPEC: SpecDocument = { name: 'Gold', slug: 'gold', questions: [{ kind: 'pairwise', id: 'preference', prompt: 'Which?' }] };

describe('the gold rate control', () => {
  it('shows the server default when left out and writes quality.gold_rate', () => {
    const state = renderForm(SPEC);
    const field = screen.getByLabelText('Share of tasks that are gold items (0–0.5)');
    expect(field).toHaveValue(null);
    expect(field).toHaveAttribute('placeholder', '0');
    fireEvent.change(field, { target: { value: '0.2' } });
    expect(getIn(state.spec, ['quality', 'gold_rate'])).toBe(0.2);
  });

  it('shows a stored rate', () => {
    renderForm({ ...SPEC, quality: { gold_rate: 0.1 } });
    expect(screen.getByLabelText('Share of tasks that are gold items (0–0.5)')).toHaveValue(0.1);
  });
});
