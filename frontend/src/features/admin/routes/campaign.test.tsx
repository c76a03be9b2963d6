import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail, ExportJob, GenerationJob, ImportResult, ModelEndpoint } from '@/lib/api-types';
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

const model = (name: string, id: number): ModelEndpoint => ({
  id,
  name,
  provider: 'openai_chat',
  base_url: 'https://api.example.org/v1',
  model: `${name}-model`,
  api_key_env: 'EXAMPLE_KEY',
  default_params: {},
  max_concurrency: 4,
  timeout_s: 60,
  created_at: '2025-01-01T00:00:00Z',
});

const generationJob = (status: GenerationJob['status'], extra: Partial<GenerationJob> = {}): GenerationJob => ({
  id: 7,
  campaign_slug: 'demo',
  status,
  models: ['alpha', 'gamma'],
  samples: 2,
  params: { temperature: 0.8, max_tokens: 256 },
  round: 1,
  progress: { total: 40, done: 0, failed: 0, cancelled: 0 },
  errors: [],
  created_at: '2025-01-03T00:00:00Z',
  finished_at: null,
  ...extra,
});

/** What the page loads besides the endpoint a test is about. */
const pageRoutes = {
  'GET /api/campaigns/demo': () => jsonResponse(200, campaign),
  'GET /api/campaigns/demo/exports': () => jsonResponse(200, { exports: [] }),
  'GET /api/campaigns/demo/generation-jobs': () => jsonResponse(200, { jobs: [] }),
  'GET /api/models': () => jsonResponse(200, { models: [model('alpha', 1), model('beta', 2), model('gamma', 3)] }),
};

const renderCampaign = () => renderRoute(<CampaignRoute />, { path: '/admin/campaigns/:slug', url: '/admin/campaigns/demo' });

describe('admin campaign page', () => {
  it('summarises the spec and progress', async () => {
    mockApi({
      ...pageRoutes,
    });
    renderCampaign();
    expect(await screen.findByRole('heading', { name: 'Demo campaign' })).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Items complete' })).toHaveAttribute('aria-valuetext', '4 of 10');
    expect(screen.getByRole('progressbar', { name: 'Judgments' })).toHaveAttribute('aria-valuetext', '15 of 30');
    expect(screen.getByText(/Which is better\?/)).toBeInTheDocument();
  });

  it('uploads a JSONL file as multipart and lists line errors when the import is rejected', async () => {
    const api = mockApi({
      ...pageRoutes,
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
      ...pageRoutes,
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
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { row_count: 1, files: [] })),
    });
    renderCampaign();
    await userEvent.click(await screen.findByRole('button', { name: 'Export raw judgments' }));
    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({ format: 'judgments' });
  });

  it('starts a generation job with the chosen models and params, polls it and stops when it succeeds', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/generation-jobs': () => jsonResponse(202, generationJob('queued')),
      'GET /api/generation-jobs/7': [
        () => jsonResponse(200, generationJob('running', { progress: { total: 40, done: 10, failed: 2, cancelled: 0 }, errors: ['alpha: HTTP 429', 'alpha: timeout', 'gamma: HTTP 500', 'gamma: HTTP 502'] })),
        () =>
          jsonResponse(
            200,
            generationJob('succeeded', {
              progress: { total: 40, done: 38, failed: 2, cancelled: 0 },
              errors: ['alpha: HTTP 429', 'alpha: timeout', 'gamma: HTTP 500', 'gamma: HTTP 502'],
              finished_at: '2025-01-03T00:05:00Z',
            }),
          ),
      ],
    });
    renderCampaign();
    const panel = await screen.findByRole('region', { name: 'Generation' });
    expect(await within(panel).findByText('No generation jobs yet.')).toBeInTheDocument();
    // Ticked out of order on purpose: the body lists them in the order they are shown.
    await userEvent.click(await within(panel).findByRole('checkbox', { name: /gamma/ }));
    await userEvent.click(within(panel).getByRole('checkbox', { name: /alpha/ }));
    await userEvent.clear(within(panel).getByLabelText('Samples per item'));
    await userEvent.type(within(panel).getByLabelText('Samples per item'), '2');
    await userEvent.type(within(panel).getByLabelText('Temperature'), '0.8');
    await userEvent.type(within(panel).getByLabelText('Max tokens'), '256');
    await userEvent.click(within(panel).getByRole('checkbox', { name: 'New on-policy round' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Start generation' }));

    const bar = await within(panel).findByRole('progressbar', { name: 'Generation 7 progress' });
    expect(api.calls('POST /api/campaigns/demo/generation-jobs')[0].body).toEqual({
      models: ['alpha', 'gamma'],
      samples: 2,
      params: { temperature: 0.8, max_tokens: 256 },
      new_round: true,
    });
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuetext', '12 of 40, 2 failed'));
    expect(within(panel).getByText('2 failed')).toHaveClass('text-danger');
    const errors = within(panel).getByRole('list', { name: 'Generation 7 errors' });
    expect(within(errors).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'alpha: HTTP 429',
      'alpha: timeout',
      'gamma: HTTP 500',
    ]);
    expect(within(panel).getByText('…and 1 more.')).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Cancel generation 7' })).toBeInTheDocument();

    await waitFor(() => expect(within(panel).getByText('succeeded')).toBeInTheDocument(), { timeout: 4000 });
    expect(bar).toHaveAttribute('aria-valuetext', '40 of 40, 2 failed');
    expect(within(panel).queryByRole('button', { name: 'Cancel generation 7' })).toBeNull();

    const polls = api.calls('GET /api/generation-jobs/7').length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(api.calls('GET /api/generation-jobs/7')).toHaveLength(polls); // stopped polling
  });

  it('asks for a model before starting and omits blank params', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/generation-jobs': () => jsonResponse(202, generationJob('queued', { models: ['beta'], samples: 1, params: { seed: 3 } })),
      'GET /api/generation-jobs/7': () => jsonResponse(200, generationJob('succeeded', { models: ['beta'] })),
    });
    renderCampaign();
    const panel = await screen.findByRole('region', { name: 'Generation' });
    await userEvent.click(await within(panel).findByRole('button', { name: 'Start generation' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('Choose at least one model.');
    expect(api.calls('POST /api/campaigns/demo/generation-jobs')).toHaveLength(0);

    await userEvent.click(within(panel).getByRole('checkbox', { name: /beta/ }));
    await userEvent.type(within(panel).getByLabelText('Seed'), '3');
    await userEvent.click(within(panel).getByRole('button', { name: 'Start generation' }));
    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/generation-jobs')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/generation-jobs')[0].body).toEqual({
      models: ['beta'],
      samples: 1,
      params: { seed: 3 },
      new_round: false,
    });
  });

  it('shows a 404 model_not_found from the server', async () => {
    mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/generation-jobs': () => errorResponse(404, 'model_not_found', 'No model named "alpha".'),
    });
    renderCampaign();
    const panel = await screen.findByRole('region', { name: 'Generation' });
    await userEvent.click(await within(panel).findByRole('checkbox', { name: /alpha/ }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Start generation' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('No model named "alpha".');
  });

  it('cancels a running generation job and shows the new status', async () => {
    let cancelled = false;
    const running = generationJob('running', { progress: { total: 40, done: 5, failed: 0, cancelled: 0 } });
    const stopped = generationJob('cancelled', {
      progress: { total: 40, done: 5, failed: 0, cancelled: 35 },
      finished_at: '2025-01-03T00:01:00Z',
    });
    const api = mockApi({
      ...pageRoutes,
      'GET /api/campaigns/demo/generation-jobs': () => jsonResponse(200, { jobs: [running] }),
      'GET /api/generation-jobs/7': () => jsonResponse(200, cancelled ? stopped : running),
      'POST /api/generation-jobs/7/cancel': () => {
        cancelled = true;
        return jsonResponse(200, stopped);
      },
    });
    renderCampaign();
    const row = await screen.findByTestId('generation-job-7');
    expect(within(row).getByText('running')).toBeInTheDocument();
    await userEvent.click(within(row).getByRole('button', { name: 'Cancel generation 7' }));

    expect(await within(row).findByText('cancelled')).toBeInTheDocument();
    expect(api.calls('POST /api/generation-jobs/7/cancel')).toHaveLength(1);
    expect(within(row).queryByRole('button', { name: 'Cancel generation 7' })).toBeNull();
    expect(within(row).getByRole('progressbar', { name: 'Generation 7 progress' })).toHaveAttribute('aria-valuetext', '40 of 40');
    expect(within(row).getByText('35 cancelled')).toBeInTheDocument();

    const polls = api.calls('GET /api/generation-jobs/7').length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(api.calls('GET /api/generation-jobs/7')).toHaveLength(polls);
  });

  it('shows the 409 when the job finished before the cancel arrived, then its final state', async () => {
    const running = generationJob('running', { progress: { total: 40, done: 39, failed: 0, cancelled: 0 } });
    const done = generationJob('succeeded', { progress: { total: 40, done: 40, failed: 0, cancelled: 0 } });
    mockApi({
      ...pageRoutes,
      'GET /api/campaigns/demo/generation-jobs': () => jsonResponse(200, { jobs: [running] }),
      'GET /api/generation-jobs/7': [() => jsonResponse(200, running), () => jsonResponse(200, done)],
      'POST /api/generation-jobs/7/cancel': () =>
        errorResponse(409, 'generation_job_finished', 'The job has already finished.'),
    });
    renderCampaign();
    const row = await screen.findByTestId('generation-job-7');
    await userEvent.click(within(row).getByRole('button', { name: 'Cancel generation 7' }));
    expect(await within(row).findByRole('alert')).toHaveTextContent('The job has already finished.');
    expect(await within(row).findByText('succeeded')).toBeInTheDocument();
  });
});
