import { screen, within } from '@testing-library/react';
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

const renderPanel = (exports: ExportJob[]) => {
  mockApi({
    'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports }),
    'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
  });
  renderRoute(<ExportsPanel slug="demo" trees={false} />, { path: '/', url: '/' });
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
    renderRoute(<ExportsPanel slug="demo" trees={false} />, { path: '/', url: '/' });
    for (const id of [13, 14]) {
      const row = await screen.findByTestId(`export-${id}`);
      expect(within(row).queryByRole('link')).toBeNull();
    }
    expect(screen.getByText('The export failed: no judgments.')).toBeInTheDocument();
    const row = screen.getByTestId('export-15');
    expect(within(row).getAllByRole('link', { name: 'Download all (.zip)' })).toHaveLength(1);
    expect(within(row).queryByText(/^media\//)).toBeNull(); // no media folder when there are none
  });
});
