import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { ExportJob } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { exportFormats } from '../testing/export-formats';
import { exportJob } from '../testing/export-jobs';
import { ExportsPanel } from './exports-panel';

const file = (name: string, size: number) => ({ name, size, sha256: `${name.length}`.padStart(64, 'c') });
const photo = 'a'.repeat(64);

const succeeded: ExportJob = exportJob('succeeded', {
  id: 12,
  progress: { done: 4, total: 4 },
  row_count: 4,
  // As the server lists them: the data file, the card, croissant.json, media, manifest.json.
  files: [
    file('dpo.jsonl', 4096),
    file('README.md', 2048),
    file('croissant.json', 1024),
    file(`media/${photo}.png`, 3072),
    file(`media/${'b'.repeat(64)}.wav`, 1024),
    file('manifest.json', 1024),
  ],
  finished_at: '2025-01-02T00:01:00Z',
});

const pairwise = { questions: [{ kind: 'pairwise' }] };

const renderPanel = (exports: ExportJob[]) => {
  mockApi({
    'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports }),
    'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
  });
  renderRoute(<ExportsPanel slug="demo" spec={pairwise} />, { path: '/', url: '/' });
};

describe('exports panel', () => {
  it('lists every file of a succeeded export, manifest.json included, and links the whole folder as a zip', async () => {
    renderPanel([succeeded]);
    const files = await screen.findByRole('list', { name: 'Export 12 files' });
    const links = within(files).getAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual([
      'dpo.jsonl',
      'README.md',
      'croissant.json',
      'manifest.json',
      `media/${photo}.png`,
      `media/${'b'.repeat(64)}.wav`,
    ]);
    expect(within(files).getByRole('link', { name: 'manifest.json' })).toHaveAttribute('href', '/api/exports/12/files/manifest.json');
    // Media stay a path under the export's files; the browser saves them by their own name.
    const image = within(files).getByRole('link', { name: `media/${photo}.png` });
    expect(image).toHaveAttribute('href', `/api/exports/12/files/media/${photo}.png`);
    expect(image).toHaveAttribute('download', `${photo}.png`);
    expect(within(files).getByText('media/ (2 files, 4.0 KB)')).toBeInTheDocument();
    const sha = within(files).getAllByTitle(/^sha256 /);
    expect(sha).toHaveLength(6);

    const all = screen.getByRole('link', { name: 'Download all (.zip)' });
    expect(all).toHaveAttribute('href', '/api/exports/12/archive');
    expect(all).toHaveAttribute('download'); // the server's Content-Disposition names the zip
    expect(screen.getByText('6 files, 12.0 KB')).toBeInTheDocument();
  });

  it('folds media files until asked for', async () => {
    renderPanel([succeeded]);
    const summary = await screen.findByText('media/ (2 files, 4.0 KB)');
    const details = summary.closest('details');
    expect(details).not.toHaveAttribute('open');
    await userEvent.click(summary);
    expect(details).toHaveAttribute('open');
    expect(within(screen.getByRole('list', { name: 'Export 12 media files' })).getAllByRole('link')).toHaveLength(2);
  });

  it('offers no files or zip until the export has succeeded', async () => {
    const running = { ...succeeded, id: 13, status: 'running', files: [], row_count: null } satisfies ExportJob;
    const failed = { ...running, id: 14, status: 'failed', error: 'The export failed: no judgments.' } satisfies ExportJob;
    const done = { ...succeeded, id: 15, files: succeeded.files.filter((f) => !f.name.startsWith('media/')) };
    mockApi({
      'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [running, failed, done] }),
      'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
      'GET /api/exports/13': () => jsonResponse(200, running),
    });
    renderRoute(<ExportsPanel slug="demo" spec={pairwise} />, { path: '/', url: '/' });
    for (const id of [13, 14]) {
      const row = await screen.findByTestId(`export-${id}`);
      expect(within(row).queryByRole('link')).toBeNull();
    }
    expect(screen.getByText('The export failed: no judgments.')).toBeInTheDocument();
    const row = screen.getByTestId('export-15');
    expect(within(row).getAllByRole('link', { name: 'Download all (.zip)' })).toHaveLength(1);
    expect(within(row).queryByText(/^media\//)).toBeNull(); // no media folder when there are none
  });

  describe('the export form', () => {
    const openForm = async (spec: { questions: { kind: string }[] }, candidate_media: string[] = []) => {
      const api = mockApi({
        'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [], candidate_media }),
        'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
        'POST /api/campaigns/demo/exports': () => jsonResponse(202, exportJob('queued')),
      });
      renderRoute(<ExportsPanel slug="demo" spec={spec} />, { path: '/', url: '/' });
      const select = await screen.findByRole<HTMLSelectElement>('combobox', { name: 'Format' });
      return { api, select };
    };
    const groupOf = (select: HTMLSelectElement, label: string) =>
      within(select.querySelector<HTMLElement>(`optgroup[label="${label}"]`)!).getAllByRole<HTMLOptionElement>('option').map((o) => o.value);

    it('opens a KTO-thumbs campaign on KTO and labels the formats that read none of its questions', async () => {
      const { select } = await openForm({ questions: [{ kind: 'binary' }] });
      expect(select).toHaveValue('kto');
      expect(groupOf(select, 'Fit this campaign')).toEqual(['judgments', 'kto', 'annotators']);
      const unfit = groupOf(select, 'Give no rows for this campaign');
      expect(unfit).toEqual(expect.arrayContaining(['dpo', 'reward', 'ranking', 'ratings', 'feedback', 'image_pairs']));
      expect(within(select).getByRole('option', { name: 'DPO (chosen / rejected pairs) — reads no question of this campaign' })).toBeEnabled();
      expect(screen.queryByRole('status')).toBeNull();
    });

    it('still exports a format that gives no rows when chosen, saying so first', async () => {
      const { api, select } = await openForm({ questions: [{ kind: 'binary' }] });
      await userEvent.selectOptions(select, 'dpo');
      expect(screen.getByRole('status')).toHaveTextContent(
        'DPO (chosen / rejected pairs) reads no question of this campaign: the export will have no rows or be refused.',
      );
      await userEvent.click(screen.getByRole('button', { name: 'Start export' }));
      await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
      expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toMatchObject({ format: 'dpo' });
    });

    it('sends include_excluded only once its checkbox is ticked', async () => {
      const { api } = await openForm(pairwise);
      const box = screen.getByRole('checkbox', { name: /Include annotators excluded for quality, marked/ });
      expect(box).not.toBeChecked();
      await userEvent.click(screen.getByRole('button', { name: 'Start export' }));
      await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
      expect(api.calls('POST /api/campaigns/demo/exports')[0].body).not.toHaveProperty('include_excluded');
      await userEvent.click(box);
      await userEvent.click(screen.getByRole('button', { name: 'Start export' }));
      await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(2));
      expect(api.calls('POST /api/campaigns/demo/exports')[1].body).toMatchObject({ include_excluded: true });
    });

    it('opens a ranking campaign on ranking; KTO, labelled with the option that would read it, fits once it is ticked', async () => {
      const { select } = await openForm({ questions: [{ kind: 'ranking' }] });
      expect(select).toHaveValue('ranking');
      expect(within(select).getByRole('option', { name: /^KTO \(unpaired good \/ bad\) — reads no question of this campaign unless/ })).toBeInTheDocument();
      await userEvent.selectOptions(select, 'kto');
      expect(screen.getByRole('status')).toHaveTextContent('reads no question of this campaign unless');
      await userEvent.click(screen.getByText('Filters and aggregation'));
      await userEvent.click(screen.getByRole('checkbox', { name: /KTO: also derive rows from pairwise and ranking answers/ }));
      expect(screen.queryByRole('status')).toBeNull();
    });

    it('opens a campaign of image candidates on image pairs, the TRL formats labelled as unable to carry them', async () => {
      const { select } = await openForm({ questions: [{ kind: 'pairwise' }] }, ['image']);
      expect(select).toHaveValue('image_pairs');
      expect(within(select).getByRole('option', { name: 'DPO (chosen / rejected pairs) — cannot carry image candidates' })).toBeInTheDocument();
    });
  });
});
