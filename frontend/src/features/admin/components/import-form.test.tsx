import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { importJob as job } from '../testing/import-jobs';
import { ImportForm } from './import-form';

async function importFile(slug: string) {
  renderRoute(<ImportForm slug={slug} />, { path: '/admin/campaigns/:slug', url: `/admin/campaigns/${slug}` });
  const file = new File(['{"prompt": "Hi", "candidates": ["a", "b"]}\n'], 'items.jsonl', { type: 'application/jsonl' });
  await userEvent.upload(screen.getByLabelText(/JSONL file/), file);
  await userEvent.click(screen.getByRole('button', { name: 'Import' }));
}

describe('import form', () => {
  it("shows the server's refusal of an import into a conversation-tree campaign, word for word", async () => {
    const message =
      "Campaign 'trees' is a conversation-tree campaign: it has no items, so nothing was imported. " +
      'Its trees start from prompts its annotators write (initial prompt tasks).';
    mockApi({
      'POST /api/campaigns/trees/items/import-jobs': () => errorResponse(409, 'tree_campaign_has_no_items', message),
    });
    await importFile('trees');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-error-code', 'tree_campaign_has_no_items');
    expect(screen.queryByRole('list', { name: 'Line errors' })).toBeNull();
    expect(screen.queryByText(/Imported/)).toBeNull();
  });

  it("starts an import job and shows its progress until all of it is imported", async () => {
    const api = mockApi({
      'POST /api/campaigns/demo/items/import-jobs': () => jsonResponse(202, job('queued')),
      'GET /api/import-jobs/9': [
        () => jsonResponse(200, job('running', { progress_done: 400, progress_total: 1000 })),
        () => jsonResponse(200, job('succeeded', { imported: 1000, ready: 1000, progress_done: 1000, progress_total: 1000 })),
      ],
    });
    await importFile('demo');
    const bar = await screen.findByRole('progressbar', { name: 'Import progress' });
    expect(bar).toHaveAttribute('aria-valuetext', '400 of 1000');
    expect(screen.getByRole('button', { name: 'Importing…' })).toBeDisabled();
    expect(await screen.findByText('Imported 1000 items.', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).toBeNull();
    const sent = api.calls('POST /api/campaigns/demo/items/import-jobs')[0];
    expect((sent.body as FormData).get('file')).toBeInstanceOf(File);
  });

  it('takes a .zip holding a JSONL and its media files, and sends it as the file it is', async () => {
    const api = mockApi({
      'POST /api/campaigns/pics/items/import-jobs': () => jsonResponse(202, job('queued')),
      'GET /api/import-jobs/9': () => jsonResponse(200, job('succeeded', { imported: 2, ready: 2, progress_done: 2, progress_total: 2 })),
    });
    renderRoute(<ImportForm slug="pics" />, { path: '/admin/campaigns/:slug', url: '/admin/campaigns/pics' });
    const input = screen.getByLabelText('JSONL file (one item per line), or a .zip with one .jsonl and the files it names');
    expect(input.getAttribute('accept')?.split(',')).toEqual(expect.arrayContaining(['.jsonl', '.zip', 'application/zip']));
    // user-event drops a file the accept attribute does not allow, as a browser's picker would.
    const zip = new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])], 'pictures.zip', { type: 'application/zip' });
    await userEvent.upload(input, zip);
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported 2 items.')).toBeInTheDocument();
    const sent = (api.calls('POST /api/campaigns/pics/items/import-jobs')[0].body as FormData).get('file');
    expect(sent).toBeInstanceOf(File);
    expect((sent as File).name).toBe('pictures.zip');
    expect((sent as File).type).toBe('application/zip');
    expect(new Uint8Array(await (sent as File).arrayBuffer()).slice(0, 4)).toEqual(new Uint8Array([0x50, 0x4b, 0x03, 0x04]));
  });

  it('lists the line errors of a job that refused the file', async () => {
    mockApi({
      'POST /api/campaigns/demo/items/import-jobs': () => jsonResponse(202, job('queued')),
      'GET /api/import-jobs/9': () =>
        jsonResponse(
          200,
          job('failed', {
            error: {
              code: 'import_invalid',
              message: 'The file has 2 invalid line(s); nothing was imported',
              details: { errors: [{ line: 2, message: 'candidates: expected 2' }, { line: 7, message: 'invalid JSON' }], total_errors: 2 },
            },
          }),
        ),
    });
    await importFile('demo');
    const list = await screen.findByRole('list', { name: 'Line errors' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Line 2: candidates: expected 2',
      'Line 7: invalid JSON',
    ]);
    expect(screen.getByRole('alert')).toHaveTextContent('nothing was imported');
    expect(screen.getByRole('button', { name: 'Import' })).toBeEnabled();
  });
});
