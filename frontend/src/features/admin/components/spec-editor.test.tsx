import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { SpecCheck } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { demoCampaign, demoSpec, tieRemovedCheck } from '../testing/spec-versions';
import { SpecEditor } from './spec-editor';

const noTie = { ...demoSpec, questions: [{ ...demoSpec.questions[0], allow_tie: false }] };
const harmless: SpecCheck = {
  valid: true,
  problems: [],
  current_version: 1,
  changes: [{ path: 'guidelines', kind: 'changed', old: 'Be fair.', new: 'Be kind.' }],
  warnings: [],
};

const openEditor = async () => {
  renderRoute(<SpecEditor campaign={demoCampaign(1)} />, { path: '/', url: '/' });
  await userEvent.click(screen.getByRole('button', { name: 'Edit spec' }));
  return screen.getByRole('textbox', { name: 'Spec (JSON)' });
};

const typeSpec = async (box: HTMLElement, spec: unknown) => {
  await userEvent.clear(box);
  // userEvent.type reads { and [ as key descriptors; paste takes the text as it is.
  await userEvent.click(box);
  await userEvent.paste(JSON.stringify(spec));
};

describe('spec editor', () => {
  it('starts from the current spec as JSON', async () => {
    const box = await openEditor();
    expect(JSON.parse((box as HTMLTextAreaElement).value)).toEqual(demoSpec);
    expect(screen.getByRole('button', { name: 'Save as version 2' })).toBeInTheDocument();
  });

  it('checks an edit: shows the changes and each warning with its path and count, and saves nothing', async () => {
    const api = mockApi({ 'POST /api/campaigns/demo/spec/check': () => jsonResponse(200, tieRemovedCheck) });
    const box = await openEditor();
    await typeSpec(box, noTie);

    await userEvent.click(screen.getByRole('button', { name: 'Check' }));

    const warnings = await screen.findByRole('list', { name: 'Warnings' });
    expect(within(warnings).getByText('questions[preference].allow_tie')).toBeInTheDocument();
    expect(warnings).toHaveTextContent("'tie' is no longer offered; stored answers chose it (7 judgments affected)");
    const changes = screen.getByRole('table', { name: 'Changes against version 1' });
    const row = within(changes).getAllByRole('row')[1];
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['questions[preference].allow_tie', 'changed', 'true', 'false']);
    expect(api.calls('POST /api/campaigns/demo/spec/check')[0].body).toEqual(noTie);
    expect(api.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('asks before saving a change that invalidates answers, naming each, and saves only when confirmed', async () => {
    const api = mockApi({
      'POST /api/campaigns/demo/spec/check': () => jsonResponse(200, tieRemovedCheck),
      'PUT /api/campaigns/demo/spec': () => jsonResponse(200, demoCampaign(2, noTie)),
      'GET /api/campaigns': () => jsonResponse(200, { campaigns: [] }),
    });
    const box = await openEditor();
    await typeSpec(box, noTie);

    await userEvent.click(screen.getByRole('button', { name: 'Save as version 2' }));
    let dialog = await screen.findByRole('dialog', { name: 'Save as version 2?' });
    expect(within(dialog).getByRole('list', { name: 'Answers this change invalidates' })).toHaveTextContent(
      "questions[preference].allow_tie: 'tie' is no longer offered; stored answers chose it (7 judgments affected)",
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(api.calls('PUT /api/campaigns/demo/spec')).toEqual([]);

    await userEvent.click(screen.getByRole('button', { name: 'Save as version 2' }));
    dialog = await screen.findByRole('dialog', { name: 'Save as version 2?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save anyway' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Saved as version 2.');
    expect(api.calls('PUT /api/campaigns/demo/spec').map((r) => r.body)).toEqual([noTie]);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('saves a change that invalidates nothing without asking', async () => {
    const edited = { ...demoSpec, guidelines: 'Be kind.' };
    const api = mockApi({
      'POST /api/campaigns/demo/spec/check': () => jsonResponse(200, harmless),
      'PUT /api/campaigns/demo/spec': () => jsonResponse(200, demoCampaign(2, edited)),
      'GET /api/campaigns': () => jsonResponse(200, { campaigns: [] }),
    });
    const box = await openEditor();
    await typeSpec(box, edited);

    await userEvent.click(screen.getByRole('button', { name: 'Save as version 2' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Saved as version 2.');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(api.calls('PUT /api/campaigns/demo/spec').map((r) => r.body)).toEqual([edited]);
  });

  it('lists every problem of a spec the server refuses, by field, and does not save it', async () => {
    const api = mockApi({
      'POST /api/campaigns/demo/spec/check': () =>
        errorResponse(422, 'validation_error', 'body.redundancy: Input should be greater than or equal to 1', [
          { field: 'body.redundancy', message: 'Input should be greater than or equal to 1' },
          { field: 'body.questions.0.pairwise.id', message: 'String should match pattern' },
        ]),
    });
    const box = await openEditor();
    await typeSpec(box, { ...demoSpec, redundancy: 0 });

    await userEvent.click(screen.getByRole('button', { name: 'Save as version 2' }));

    const alert = await screen.findByRole('alert');
    expect(within(alert).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'redundancy: Input should be greater than or equal to 1',
      'questions.0.pairwise.id: String should match pattern',
    ]);
    expect(api.calls('PUT /api/campaigns/demo/spec')).toEqual([]);
  });

  it('refuses text that is not JSON before asking the server', async () => {
    const api = mockApi({});
    const box = await openEditor();
    await userEvent.clear(box);
    await userEvent.type(box, 'not json');

    await userEvent.click(screen.getByRole('button', { name: 'Check' }));

    expect(screen.getByText(/^Not valid JSON/)).toBeInTheDocument();
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(api.requests).toEqual([]);
  });
});
