import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { ModelEndpoint } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { ModelsRoute } from './models';

const existing: ModelEndpoint = {
  id: 1,
  name: 'gpt-4o-mini',
  provider: 'openai_chat',
  base_url: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  api_key_secret: 'OPENAI_API_KEY',
  default_params: {},
  max_concurrency: 8,
  timeout_s: 60,
  created_at: '2025-01-01T00:00:00Z',
};

const local: ModelEndpoint = {
  ...existing,
  id: 2,
  name: 'llama3:8b',
  provider: 'local_hf',
  base_url: 'http://gpu-01:8080',
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  api_key_secret: null,
  max_concurrency: 2,
  timeout_s: 120,
};

const renderModels = () => renderRoute(<ModelsRoute />, { path: '/admin/models', url: '/admin/models' });

/** Replace a field's text (pasted, not typed key by key: quicker, and `{` is literal). */
async function fill(label: string | RegExp, text: string) {
  const field = screen.getByLabelText(label);
  await userEvent.clear(field);
  await userEvent.click(field);
  await userEvent.paste(text);
}

async function fillForm({ name, params }: { name: string; params?: string }) {
  await fill('Name', name);
  await userEvent.selectOptions(screen.getByLabelText('Provider'), 'local_hf');
  // A local model is a directory on the workers: the URL field becomes a path field.
  await fill('Model directory', '/models/qwen-7b');
  await fill('Model', 'Qwen/Qwen2.5-7B-Instruct');
  await fill('API key env var name', 'HF_TOKEN');
  await fill('Max concurrency', '3');
  await fill('Timeout (seconds)', '90');
  if (params !== undefined) await fill(/Default params/, params);
}

describe('admin models page', () => {
  it('lists the model endpoints with the key env var name, never a key', async () => {
    mockApi({ 'GET /api/models': () => jsonResponse(200, { models: [existing, local] }) });
    renderModels();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    const first = within(rows[0]).getAllByRole('cell').map((c) => c.textContent);
    expect(first.slice(0, 7)).toEqual([
      'gpt-4o-mini',
      'OpenAI-compatible chat',
      'gpt-4o-mini',
      'https://api.openai.com/v1',
      'OPENAI_API_KEY',
      '8',
      '60 s',
    ]);
    const second = within(rows[1]).getAllByRole('cell').map((c) => c.textContent);
    expect(second[4]).toBe('—');
    expect(second[6]).toBe('120 s');
    expect(screen.getByText(/the key itself stays in the workers’ environment/)).toBeInTheDocument();
  });

  it('posts the new endpoint and adds it to the table', async () => {
    const created: ModelEndpoint = {
      ...local,
      id: 3,
      name: 'qwen-7b',
      base_url: 'http://gpu-02:8080/v1',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      api_key_secret: 'HF_TOKEN',
      default_params: { temperature: 0.7 },
      max_concurrency: 3,
      timeout_s: 90,
    };
    const api = mockApi({
      'GET /api/models': [() => jsonResponse(200, { models: [existing] }), () => jsonResponse(200, { models: [existing, created] })],
      'POST /api/models': () => jsonResponse(201, created),
    });
    renderModels();
    await screen.findByRole('table');
    await fillForm({ name: 'qwen-7b', params: '{"temperature": 0.7}' });
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    expect(await screen.findByText('Added qwen-7b.')).toBeInTheDocument();
    expect(api.calls('POST /api/models')[0].body).toEqual({
      name: 'qwen-7b',
      provider: 'local_hf',
      base_url: '/models/qwen-7b',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      api_key_secret: 'HF_TOKEN',
      max_concurrency: 3,
      timeout_s: 90,
      default_params: { temperature: 0.7 },
    });
    const table = screen.getByRole('table');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(within(table).getByText('qwen-7b')).toBeInTheDocument();
  });

  it("shows the server's message when the name is taken (409)", async () => {
    const api = mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing] }),
      'POST /api/models': () => errorResponse(409, 'model_exists', 'A model named "gpt-4o-mini" already exists.'),
    });
    renderModels();
    await screen.findByRole('table');
    await fillForm({ name: 'gpt-4o-mini' });
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('A model named "gpt-4o-mini" already exists.');
    expect(alert).toHaveAttribute('data-error-code', 'model_exists');
    expect(api.calls('POST /api/models')).toHaveLength(1);
    expect(api.calls('POST /api/models')[0].body).not.toHaveProperty('default_params');
  });

  it('checks the default params JSON before posting', async () => {
    const api = mockApi({ 'GET /api/models': () => jsonResponse(200, { models: [] }) });
    renderModels();
    expect(await screen.findByText(/No model endpoints yet/)).toBeInTheDocument();
    await fillForm({ name: 'x', params: '{"temperature": 0.7,' });
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Not valid JSON/);
    expect(screen.getByLabelText(/Default params/)).toHaveAttribute('aria-invalid', 'true');

    await fill(/Default params/, '[1, 2]');
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Must be a JSON object');
    expect(api.calls('POST /api/models')).toHaveLength(0);
  });

  it("tests an endpoint and shows the latency and reply, or the provider's error", async () => {
    const api = mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing, local] }),
      'POST /api/models/gpt-4o-mini/test': () => jsonResponse(200, { ok: true, latency_ms: 412, reply: 'Hello there!' }),
      'POST /api/models/llama3%3A8b/test': () =>
        jsonResponse(200, { ok: false, latency_ms: null, error: 'connection refused' }),
    });
    renderModels();
    await userEvent.click(await screen.findByRole('button', { name: 'Test gpt-4o-mini' }));
    const ok = screen.getByTestId('test-result-gpt-4o-mini');
    await waitFor(() => expect(ok).toHaveTextContent('412 ms'));
    expect(ok).toHaveTextContent('Hello there!');
    expect(api.calls('POST /api/models/gpt-4o-mini/test')).toHaveLength(1);

    await userEvent.click(screen.getByRole('button', { name: 'Test llama3:8b' }));
    const failed = screen.getByTestId('test-result-llama3:8b');
    await waitFor(() => expect(failed).toHaveTextContent('connection refused'));
    expect(within(failed).getByRole('alert')).toHaveTextContent('Failed');
  });
});
