import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail, ExportJob, ImportResult } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignRoute } from './campaign';

const campaign: CampaignDetail = {
  id: 1,
  slug: 'demo',
  name: 'Demo campaign',
  status: 'active',
  version: 1,
  redundancy: 3,
  created_at: '2025-01-01T00:00:00Z',
  progress: { items: 10, items_complete: 4, judgments: 15, judgments_target: 30 },
  spec: {
    name: 'Demo campaign',
    slug: 'demo',
    guidelines: 'Be fair.',
    redundancy: 3,
    lease_minutes: 30,
    priority: 0,
    min_candidates: 2,
    max_candidates_shown: 4,
    max_open_leases: 1,
    undo_seconds: 60,
    questions: [
      { kind: 'pairwise', id: 'preference', prompt: 'Which is better?', help: '', allow_tie: true, allow_both_bad: false, strength: false },
    ],
  },
};

const job = (status: ExportJob['status'], extra: Partial<ExportJob> = {}): ExportJob => ({
  id: 5,
  campaign_slug: 'demo',
  format: 'dpo',
  options: { format: 'dpo', conversational: true, salt: '' },
  status,
  progress: { done: status === 'succeeded' ? 10 : 3, total: 10 },
  row_count: null,
  files: [],
  error: null,
  created_at: '2025-01-02T00:00:00Z',
  finished_at: null,
  ...extra,
});

const renderCampaign = () => renderRoute(<CampaignRoute />, { path: '/admin/campaigns/:slug', url: '/admin/campaigns/demo' });

describe('admin campaign page', () => {
  it('summarises the spec and progress', async () => {
    mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
    });
    renderCampaign();
    expect(await screen.findByRole('heading', { name: 'Demo campaign' })).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Items complete' })).toHaveAttribute('aria-valuetext', '4 of 10');
    expect(screen.getByRole('progressbar', { name: 'Judgments' })).toHaveAttribute('aria-valuetext', '15 of 30');
    expect(screen.getByText(/Which is better\?/)).toBeInTheDocument();
  });

  it('uploads a JSONL file as multipart and lists line errors when the import is rejected', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
      'POST /api/campaigns/demo/items/import': [
        () =>
          errorResponse(422, 'import_invalid', 'The file has errors.', {
            errors: [
              { line: 2, message: 'candidates: expected 2' },
              { line: 7, message: 'invalid JSON' },
            ],
          }),
        () => jsonResponse(201, { imported: 12, ready: 12 } satisfies ImportResult),
      ],
    });
    renderCampaign();
    const input = await screen.findByLabelText(/JSONL file/);
    const file = new File(['{"a":1}\n'], 'items.jsonl', { type: 'application/jsonl' });
    await userEvent.upload(input, file);
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));

    const list = await screen.findByRole('list', { name: 'Line errors' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Line 2: candidates: expected 2',
      'Line 7: invalid JSON',
    ]);
    const sent = api.calls('POST /api/campaigns/demo/items/import')[0];
    expect(sent.body).toBeInstanceOf(FormData);
    expect((sent.body as FormData).get('file')).toBeInstanceOf(File);
    expect(sent.headers.has('Content-Type')).toBe(false); // the browser adds the multipart boundary

    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported 12 items.')).toBeInTheDocument();
  });

  it('starts a DPO export, polls it while running and links the files when it succeeds', async () => {
    const file = { name: 'train.jsonl', size: 2048, sha256: 'ab'.repeat(32) };
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': [
        () => jsonResponse(200, job('running')),
        () => jsonResponse(200, job('succeeded', { row_count: 10, files: [file] })),
      ],
    });
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Export DPO' }));

    expect(await screen.findByRole('progressbar', { name: 'Export 5 progress' })).toBeInTheDocument();
    const link = await screen.findByRole('link', { name: 'train.jsonl' }, { timeout: 4000 });
    expect(link).toHaveAttribute('href', '/api/exports/5/files/train.jsonl');
    expect(screen.getByText('10 rows')).toBeInTheDocument();
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({ format: 'dpo', conversational: true });

    const polls = api.calls('GET /api/exports/5').length;
    await new Promise((r) => setTimeout(r, 1300));
    await waitFor(() => expect(api.calls('GET /api/exports/5')).toHaveLength(polls)); // stopped polling
  });

  it('starts a raw judgments export from its own button', async () => {
    const api = mockApi({
      'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
      'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { row_count: 1, files: [] })),
    });
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Export raw judgments' }));
    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({ format: 'judgments' });
  });
});
