import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CampaignDetail, ExportOptions, GenerationJob, ModelEndpoint } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { exportFormats } from '../testing/export-formats';
import { defaultExportOptions, exportJob } from '../testing/export-jobs';
import { importJob } from '../testing/import-jobs';
import { CAMPAIGN_REFRESH_MS } from '../api/get-campaign';
import { demoSpec } from '../testing/spec-versions';
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
  contents: { items: 10, judgments: 15, trees: 0, exports: 0 },
  transitions: ['paused', 'closed'],
  deletable: false,
  spec: demoSpec,
};

const job = exportJob;

const model = (name: string, id: number): ModelEndpoint => ({
  id,
  name,
  provider: 'openai_chat',
  base_url: 'https://api.example.org/v1',
  model: `${name}-model`,
  api_key_secret: 'EXAMPLE_KEY',
  default_params: {},
  max_concurrency: 4,
  timeout_s: 60,
  created_at: '2025-01-01T00:00:00Z',
  mine: true,
  shared_with_all: false,
  shared_with: [],
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
  'GET /api/exports/formats': () => jsonResponse(200, exportFormats),
  'GET /api/campaigns/demo/generation-jobs': () => jsonResponse(200, { jobs: [] }),
  'GET /api/models': () => jsonResponse(200, { models: [model('alpha', 1), model('beta', 2), model('gamma', 3)] }),
};

/** The Exports panel once its form has the server's formats. */
const exportsPanel = async () => {
  const panel = await screen.findByRole('region', { name: 'Exports' });
  await within(panel).findByRole('button', { name: 'Start export' });
  return panel;
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

  it('shows the judgments annotators make while it is open, without a reload', async () => {
    const later = { ...campaign, progress: { ...campaign.progress, items_complete: 5, judgments: 16 } };
    mockApi({ ...pageRoutes, 'GET /api/campaigns/demo': [() => jsonResponse(200, campaign), () => jsonResponse(200, later)] });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderCampaign();
      const judgments = await screen.findByRole('progressbar', { name: 'Judgments' });
      expect(judgments).toHaveAttribute('aria-valuetext', '15 of 30');
      await act(() => vi.advanceTimersByTimeAsync(CAMPAIGN_REFRESH_MS));
      await waitFor(() => expect(screen.getByRole('progressbar', { name: 'Judgments' })).toHaveAttribute('aria-valuetext', '16 of 30'));
      expect(screen.getByRole('progressbar', { name: 'Items complete' })).toHaveAttribute('aria-valuetext', '5 of 10');
    } finally {
      vi.useRealTimers();
    }
  });

  it('uploads a JSONL file as multipart to an import job and lists line errors when the job rejects it', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/items/import-jobs': [
        () => jsonResponse(202, importJob('queued', { id: 7 })),
        () => jsonResponse(202, importJob('queued', { id: 8 })),
      ],
      'GET /api/import-jobs/7': () =>
        jsonResponse(
          200,
          importJob('failed', {
            id: 7,
            error: {
              code: 'import_invalid',
              message: 'The file has errors.',
              details: {
                errors: [
                  { line: 2, message: 'candidates: expected 2' },
                  { line: 7, message: 'invalid JSON' },
                ],
              },
            },
          }),
        ),
      'GET /api/import-jobs/8': () => jsonResponse(200, importJob('succeeded', { id: 8, imported: 12, ready: 12 })),
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
    const sent = api.calls('POST /api/campaigns/demo/items/import-jobs')[0];
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
    const panel = await exportsPanel();
    expect(within(panel).getByLabelText('Format')).toHaveValue('dpo');
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));

    expect(await screen.findByRole('progressbar', { name: 'Export 5 progress' })).toBeInTheDocument();
    const link = await screen.findByRole('link', { name: 'train.jsonl' }, { timeout: 4000 });
    expect(link).toHaveAttribute('href', '/api/exports/5/files/train.jsonl');
    expect(screen.getByText('10 rows')).toBeInTheDocument();
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({
      format: 'dpo',
      conversational: true,
      file_format: 'jsonl',
      aggregation: 'none',
    });

    const polls = api.calls('GET /api/exports/5').length;
    await new Promise((r) => setTimeout(r, 1300));
    await waitFor(() => expect(api.calls('GET /api/exports/5')).toHaveLength(polls)); // stopped polling
  });

  it('starts a raw judgments export in the standard form', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { row_count: 1, files: [] })),
    });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.selectOptions(within(panel).getByLabelText('Format'), 'judgments');
    await userEvent.selectOptions(within(panel).getByLabelText('Text columns'), 'Standard form (plain strings)');
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));
    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({
      format: 'judgments',
      conversational: false,
      file_format: 'jsonl',
      aggregation: 'none',
    });
  });

  it('sends exactly the chosen aggregation, file format, profiles and filters, and summarises them on the job', async () => {
    const chosen = {
      ...defaultExportOptions,
      aggregation: 'majority',
      file_format: 'parquet',
      include_profiles: true,
      models: ['m-a', 'm-b'],
      languages: ['en'],
    } satisfies ExportOptions;
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued', { options: chosen })),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { options: chosen, row_count: 3 })),
    });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.selectOptions(within(panel).getByLabelText('File format'), 'Parquet');
    await userEvent.click(within(panel).getByText('Filters and aggregation'));
    await userEvent.selectOptions(within(panel).getByLabelText('Aggregation'), 'majority');
    await userEvent.type(within(panel).getByLabelText('Models, comma-separated'), 'm-a, m-b');
    await userEvent.type(within(panel).getByLabelText('Languages, comma-separated'), 'en');
    await userEvent.click(within(panel).getByRole('checkbox', { name: 'Include annotators’ profile answers in rows' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));

    const row = await within(panel).findByTestId('export-5');
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({
      format: 'dpo',
      conversational: true,
      file_format: 'parquet',
      aggregation: 'majority',
      include_profiles: true,
      models: ['m-a', 'm-b'],
      languages: ['en'],
    });
    expect(within(row).getByText('majority · parquet · profiles · 2 filters')).toHaveAttribute('title', 'Filters: models, languages');
  });

  it('disables aggregation and sends none for the ratings format', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { row_count: 1 })),
    });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.click(within(panel).getByText('Filters and aggregation'));
    const aggregation = within(panel).getByLabelText('Aggregation');
    await userEvent.selectOptions(aggregation, 'bradley_terry');
    expect(aggregation).toBeEnabled();

    await userEvent.selectOptions(within(panel).getByLabelText('Format'), 'ratings');
    expect(aggregation).toBeDisabled();
    expect(aggregation).toHaveValue('none');
    expect(aggregation).toHaveAccessibleDescription(/ratings rows are per judgment or per annotator/);
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));
    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toMatchObject({ format: 'ratings', aggregation: 'none' });
  });

  it('builds annotator_groups from the editor rows', async () => {
    const api = mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued')),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { row_count: 1 })),
    });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.click(within(panel).getByText('Filters and aggregation'));
    const add = within(panel).getByRole('button', { name: 'Add annotator group' });
    await userEvent.click(add);
    await userEvent.click(add);
    await userEvent.click(add);
    const fill = async (n: number, question: string, values: string) => {
      const group = within(panel).getByRole('group', { name: `Annotator group ${n}` });
      await userEvent.type(within(group).getByLabelText('Question id'), question);
      await userEvent.type(within(group).getByLabelText('Values, comma-separated'), values);
    };
    await fill(1, 'country', 'GB, IE');
    await fill(2, 'occupation', 'nurse');
    await fill(3, 'age', '18-24, 25-34');
    await userEvent.click(within(panel).getByRole('button', { name: 'Remove annotator group 2' }));
    expect(within(panel).queryByRole('group', { name: 'Annotator group 3' })).toBeNull();
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));

    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toMatchObject({
      annotator_groups: { country: ['GB', 'IE'], age: ['18-24', '25-34'] },
    });
  });

  it('refuses an annotator group without values before asking the server', async () => {
    const api = mockApi({ ...pageRoutes });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.click(within(panel).getByText('Filters and aggregation'));
    await userEvent.click(within(panel).getByRole('button', { name: 'Add annotator group' }));
    await userEvent.type(within(panel).getByLabelText('Question id'), 'country');
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('Annotator group “country” names no values.');
    expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(0);
  });

  it('shows the 422 when the server refuses the export', async () => {
    mockApi({
      ...pageRoutes,
      'POST /api/campaigns/demo/exports': () =>
        errorResponse(422, 'validation_error', 'body: created_from must be before created_to', [
          { field: 'body', message: 'created_from must be before created_to' },
        ]),
    });
    renderCampaign();
    const panel = await exportsPanel();
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));
    const alert = await within(panel).findByRole('alert');
    expect(alert).toHaveTextContent('body: created_from must be before created_to');
    expect(alert).toHaveAttribute('data-error-code', 'validation_error');
    expect(within(panel).getByText('No exports yet.')).toBeInTheDocument();
  });

  it('offers the tree formats and tree states, not rounds or gold, for a conversation-tree campaign', async () => {
    const treeCampaign: CampaignDetail = {
      ...campaign,
      spec: {
        ...campaign.spec,
        questions: [],
        trees: {
          acceptance_threshold: 0.5,
          consensus: 'ranked_pairs',
          goal_tree_size: 4,
          lang: 'en',
          lone_reply_sibling_probability: 0.75,
          max_active_trees: 10,
          max_children: 2,
          max_depth: 2,
          rankings_needed: 1,
          reply_max_length: 4000,
          reply_min_length: 10,
          reviews_needed_prompt: 1,
          reviews_needed_reply: 1,
        },
      },
    };
    const api = mockApi({
      ...pageRoutes,
      'GET /api/campaigns/demo': () => jsonResponse(200, treeCampaign),
      'GET /api/campaigns/demo/trees?limit=50': () => jsonResponse(200, { counts: {}, trees: [] }),
      'GET /api/campaigns/demo/tree-messages/flagged': () => jsonResponse(200, { messages: [] }),
      'POST /api/campaigns/demo/exports': () => jsonResponse(202, job('queued', { format: 'trees' })),
      'GET /api/exports/5': () => jsonResponse(200, job('succeeded', { format: 'trees', row_count: 1 })),
    });
    renderCampaign();
    const panel = await exportsPanel();
    const format = within(panel).getByLabelText('Format');
    expect(within(format).getAllByRole('option').map((o) => o.getAttribute('value'))).toEqual([
      'trees',
      'dpo',
      'judgments',
      'kto',
      'ranking',
      'annotators',
    ]);
    await userEvent.click(within(panel).getByText('Filters and aggregation'));
    expect(within(panel).queryByLabelText('Generation rounds, comma-separated')).toBeNull();
    expect(within(panel).queryByRole('checkbox', { name: /gold/ })).toBeNull();
    const states = within(panel).getByRole('group', { name: 'Tree states' });
    await userEvent.click(within(states).getByRole('checkbox', { name: 'halted by moderator' }));
    await userEvent.click(within(states).getByRole('checkbox', { name: 'ready for export' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Start export' }));

    await waitFor(() => expect(api.calls('POST /api/campaigns/demo/exports')).toHaveLength(1));
    expect(api.calls('POST /api/campaigns/demo/exports')[0].body).toEqual({
      format: 'trees',
      conversational: true,
      file_format: 'jsonl',
      aggregation: 'none',
      tree_states: ['ready_for_export', 'halted_by_moderator'],
    });
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

describe('campaign lifecycle on the campaign page', () => {
  const draft: CampaignDetail = { ...campaign, status: 'draft', transitions: ['active'], deletable: true };

  it('shows the status and moves the campaign with the buttons its status allows', async () => {
    const active: CampaignDetail = { ...campaign, status: 'active', transitions: ['paused', 'closed'], deletable: false };
    const api = mockApi({
      ...pageRoutes,
      // The page reads the campaign again once it has moved.
      'GET /api/campaigns/demo': [() => jsonResponse(200, draft), () => jsonResponse(200, active)],
      'POST /api/campaigns/demo/status': () => jsonResponse(200, active),
    });
    renderCampaign();
    const panel = await screen.findByRole('region', { name: 'Campaign status' });
    expect(within(panel).getByText('draft')).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Pause' })).not.toBeInTheDocument();

    await userEvent.click(within(panel).getByRole('button', { name: 'Activate' }));
    expect(await within(panel).findByRole('button', { name: 'Pause' })).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Close' })).toBeInTheDocument();
    expect(within(panel).getByText('active')).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Delete…' })).not.toBeInTheDocument();
    expect(api.calls('POST /api/campaigns/demo/status')[0].body).toEqual({ status: 'active' });
  });

  it('shows the server refusing a transition', async () => {
    mockApi({
      ...pageRoutes,
      'GET /api/campaigns/demo': () => jsonResponse(200, draft),
      'POST /api/campaigns/demo/status': () =>
        errorResponse(409, 'invalid_transition', "Campaign 'demo' is active: it cannot become active (it may become paused, closed)"),
    });
    renderCampaign();
    const panel = await screen.findByRole('region', { name: 'Campaign status' });
    await userEvent.click(within(panel).getByRole('button', { name: 'Activate' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('it may become paused, closed');
  });

  it('deletes only once the slug is typed, naming what is deleted, and sends the judgment count', async () => {
    const archived: CampaignDetail = {
      ...campaign,
      status: 'archived',
      transitions: ['closed'],
      deletable: true,
      contents: { items: 10, judgments: 15, trees: 0, exports: 2 },
    };
    const api = mockApi({
      ...pageRoutes,
      'GET /api/campaigns/demo': () => jsonResponse(200, archived),
      'DELETE /api/campaigns/demo?confirm=demo&judgments=15': () => jsonResponse(204),
    });
    renderRoute(<CampaignRoute />, {
      path: '/admin/campaigns/:slug',
      url: '/admin/campaigns/demo',
      extra: [{ path: '/admin', element: <h1>Campaign list</h1> }],
    });
    expect(await screen.findByRole('button', { name: 'Unarchive' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Demo campaign?' });
    expect(dialog).toHaveTextContent('10 item(s), 15 judgment(s), 0 tree(s) and 2 export(s)');
    const confirm = within(dialog).getByRole('button', { name: 'Delete campaign' });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText(/to confirm/), 'dem');
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText(/to confirm/), 'o');
    await userEvent.click(confirm);

    expect(await screen.findByRole('heading', { name: 'Campaign list' })).toBeInTheDocument();
    expect(api.calls('DELETE /api/campaigns/demo?confirm=demo&judgments=15')).toHaveLength(1);
  });
});
