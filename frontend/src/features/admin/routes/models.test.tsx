import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { ModelEndpoint, ModelSecret } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import type { Viewer } from '../utils/viewer';

import { ModelsRoute } from './models';

const researcher: Viewer = { role: 'researcher', email: 'rea@example.org' };
const admin: Viewer = { role: 'admin', email: 'boss@example.org' };

const existing: ModelEndpoint = {
  id: 1,
  name: 'gpt-4o-mini',
  provider: 'openai_chat',
  base_url: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  api_key_secret: 'OPENAI',
  default_params: {},
  max_concurrency: 8,
  timeout_s: 60,
  created_at: '2025-01-01T00:00:00Z',
  mine: true,
  shared_with_all: false,
  shared_with: [],
};

const local: ModelEndpoint = {
  ...existing,
  id: 2,
  name: 'llama3:8b',
  provider: 'local_hf',
  base_url: '/models/llama3-8b',
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  api_key_secret: null,
  max_concurrency: 2,
  timeout_s: 120,
  mine: false,
  shared_with_all: false,
  shared_with: null,
};

const everyones: ModelEndpoint = {
  ...existing,
  id: 3,
  name: 'house-model',
  api_key_secret: null,
  mine: false,
  shared_with_all: true,
  shared_with: null,
};

const secrets: ModelSecret[] = [
  { name: 'OPENAI', hosts: ['api.openai.com'], available: true },
  { name: 'VLLM', hosts: ['gpu-01.lab', 'gpu-02.lab:8000'], available: false },
];

const secretsRoute = { 'GET /api/models/secrets': () => jsonResponse(200, { secrets }) };

const renderModels = (viewer: Viewer = researcher) =>
  renderRoute(<ModelsRoute viewer={viewer} />, { path: '/admin/models', url: '/admin/models' });

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
  await fill('Max concurrency', '3');
  await fill('Timeout (seconds)', '90');
  if (params !== undefined) await fill(/Default params/, params);
}

async function fillRemote(name: string, baseUrl: string) {
  await fill('Name', name);
  await fill('Base URL', baseUrl);
  await fill('Model', 'gpt-4o');
}

const rowOf = (name: string) => screen.getByTestId(`model-row-${name}`);
const accessOf = (name: string) => screen.getByTestId(`model-access-${name}`);

describe('admin models page', () => {
  it('lists the model endpoints with their key secret name (never a key) and who they belong to', async () => {
    mockApi({ 'GET /api/models': () => jsonResponse(200, { models: [existing, local, everyones] }), ...secretsRoute });
    renderModels();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    const first = within(rows[0]).getAllByRole('cell').map((c) => c.textContent);
    expect(first.slice(0, 8)).toEqual([
      'gpt-4o-mini',
      'Yours not shared',
      'OpenAI-compatible chat',
      'gpt-4o-mini',
      'https://api.openai.com/v1',
      'OPENAI',
      '8',
      '60 s',
    ]);
    const second = within(rows[1]).getAllByRole('cell').map((c) => c.textContent);
    expect(second[1]).toBe('Shared with you');
    expect(second[5]).toBe('—');
    expect(second[7]).toBe('120 s');
    expect(within(rows[2]).getAllByRole('cell')[1]).toHaveTextContent(/^Shared with everyone$/);
  });

  it('offers the configured secrets, with their hosts, and sends the chosen name as api_key_secret', async () => {
    const created: ModelEndpoint = { ...existing, id: 9, name: 'gpt-4o', model: 'gpt-4o', api_key_secret: 'VLLM' };
    const api = mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [] }),
      'POST /api/models': () => jsonResponse(201, created),
      ...secretsRoute,
    });
    renderModels();
    const select = screen.getByLabelText('API key');
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(3));
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'No key',
      'OPENAI (api.openai.com)',
      'VLLM (gpu-01.lab, gpu-02.lab:8000) — not set on the server',
    ]);
    expect(select).toHaveValue('');
    expect(screen.getByText(/Keys are configured on the server by an admin and sent only to the hosts/)).toBeInTheDocument();
    // There is no free-text field for a key or a variable name any more.
    expect(screen.queryByLabelText(/env var/i)).toBeNull();

    await fillRemote('gpt-4o', 'http://gpu-02.lab:8000/v1');
    await userEvent.selectOptions(select, 'VLLM');
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    expect(await screen.findByText('Added gpt-4o.')).toBeInTheDocument();
    expect(api.calls('POST /api/models')[0].body).toEqual({
      name: 'gpt-4o',
      provider: 'openai_chat',
      base_url: 'http://gpu-02.lab:8000/v1',
      model: 'gpt-4o',
      api_key_secret: 'VLLM',
      max_concurrency: 4,
      timeout_s: 60,
    });
    // Reset to "No key" for the next endpoint.
    expect(select).toHaveValue('');
  });

  it('posts a local endpoint without a key and adds it to the table', async () => {
    const created: ModelEndpoint = {
      ...local,
      id: 4,
      name: 'qwen-7b',
      base_url: '/models/qwen-7b',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      default_params: { temperature: 0.7 },
      max_concurrency: 3,
      timeout_s: 90,
      mine: true,
      shared_with: [],
    };
    const api = mockApi({
      'GET /api/models': [() => jsonResponse(200, { models: [existing] }), () => jsonResponse(200, { models: [existing, created] })],
      'POST /api/models': () => jsonResponse(201, created),
      ...secretsRoute,
    });
    renderModels();
    await screen.findByRole('table');
    expect(screen.getByLabelText('Timeout (seconds)')).toHaveAttribute('max', '600');
    await userEvent.selectOptions(await screen.findByLabelText('API key'), 'OPENAI');
    await fillForm({ name: 'qwen-7b', params: '{"temperature": 0.7}' });
    // A local model takes no key: the choice is set aside, not sent.
    expect(screen.getByLabelText('API key')).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    expect(await screen.findByText('Added qwen-7b.')).toBeInTheDocument();
    expect(api.calls('POST /api/models')[0].body).toEqual({
      name: 'qwen-7b',
      provider: 'local_hf',
      base_url: '/models/qwen-7b',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      max_concurrency: 3,
      timeout_s: 90,
      default_params: { temperature: 0.7 },
    });
    const table = screen.getByRole('table');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(accessOf('qwen-7b')).toHaveTextContent('Yours');
  });

  it("shows the server's refusal of a secret next to the key field, until another key is chosen", async () => {
    mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [] }),
      'POST /api/models': () =>
        errorResponse(422, 'model_secret_refused', "The secret 'OPENAI' may be sent only to api.openai.com", [
          { field: 'api_key_secret', message: 'not configured for this host' },
        ]),
      ...secretsRoute,
    });
    renderModels();
    await fillRemote('elsewhere', 'https://evil.example.net/v1');
    const select = screen.getByLabelText('API key');
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(3));
    await userEvent.selectOptions(select, 'OPENAI');
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-error-code', 'model_secret_refused');
    expect(alert).toHaveTextContent("may be sent only to api.openai.com");
    const fieldError = screen.getByText('not configured for this host');
    expect(select).toHaveAttribute('aria-invalid', 'true');
    expect(select.getAttribute('aria-describedby')?.split(' ')).toContain(fieldError.id);
    expect(select.closest('.field')).toContainElement(fieldError);
    expect(screen.getByLabelText('Base URL')).not.toHaveAttribute('aria-invalid');

    await userEvent.selectOptions(select, '');
    expect(screen.queryByText('not configured for this host')).toBeNull();
    expect(select).not.toHaveAttribute('aria-invalid');
  });

  it('shows a refused address (egress policy) next to the base URL field', async () => {
    mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [] }),
      'POST /api/models': () =>
        errorResponse(422, 'model_endpoint_refused', '10.0.0.5 is a private address', [
          { field: 'base_url', message: '10.0.0.5 is a private address' },
        ]),
      ...secretsRoute,
    });
    renderModels();
    await fillRemote('internal', 'http://10.0.0.5/v1');
    await userEvent.click(screen.getByRole('button', { name: 'Add model' }));

    const baseUrl = screen.getByLabelText('Base URL');
    await waitFor(() => expect(baseUrl).toHaveAttribute('aria-invalid', 'true'));
    const describedBy = document.getElementById(baseUrl.getAttribute('aria-describedby') ?? '');
    expect(describedBy).toHaveTextContent('10.0.0.5 is a private address');
    expect(baseUrl.closest('.field')).toContainElement(describedBy);
  });

  it("shows the server's message when the name is taken (409)", async () => {
    const api = mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing] }),
      'POST /api/models': () => errorResponse(409, 'model_exists', 'A model named "gpt-4o-mini" already exists.'),
      ...secretsRoute,
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
    const api = mockApi({ 'GET /api/models': () => jsonResponse(200, { models: [] }), ...secretsRoute });
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
      ...secretsRoute,
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

  it('says to try again when the server is running too many model tests (429)', async () => {
    mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing] }),
      'POST /api/models/gpt-4o-mini/test': [
        () => errorResponse(429, 'too_many_model_tests', 'Too many model tests are running; try again in a moment'),
        () => jsonResponse(200, { ok: true, latency_ms: 30, reply: 'Hi' }),
      ],
      ...secretsRoute,
    });
    renderModels();
    await userEvent.click(await screen.findByRole('button', { name: 'Test gpt-4o-mini' }));
    const result = screen.getByTestId('test-result-gpt-4o-mini');
    const alert = await within(result).findByRole('alert');
    expect(alert).toHaveTextContent(/too many model tests running; try again/i);
    expect(alert).toHaveAttribute('data-error-code', 'too_many_model_tests');

    await userEvent.click(screen.getByRole('button', { name: 'Test gpt-4o-mini' }));
    await waitFor(() => expect(result).toHaveTextContent('30 ms'));
    expect(within(result).queryByRole('alert')).toBeNull();
  });

  it("lets a researcher share their own model by e-mail, without the admins' everyone box", async () => {
    const shared: ModelEndpoint = { ...existing, shared_with: ['ana@example.org', 'bo@example.org'] };
    const api = mockApi({
      'GET /api/models': [
        () => jsonResponse(200, { models: [existing, local, everyones] }),
        () => jsonResponse(200, { models: [shared, local, everyones] }),
      ],
      'PUT /api/models/gpt-4o-mini/sharing': () => jsonResponse(200, shared),
      ...secretsRoute,
    });
    renderModels(researcher);
    await screen.findByRole('table');
    // Only models the researcher owns can be shared by them.
    expect(within(rowOf('llama3:8b')).queryByRole('button', { name: /Share/ })).toBeNull();
    expect(within(rowOf('house-model')).queryByRole('button', { name: /Share/ })).toBeNull();

    const share = within(rowOf('gpt-4o-mini')).getByRole('button', { name: 'Share gpt-4o-mini' });
    await userEvent.click(share);
    expect(share).toHaveAttribute('aria-expanded', 'true');
    const form = screen.getByRole('form', { name: 'Share gpt-4o-mini' });
    expect(within(form).queryByRole('checkbox')).toBeNull();
    const emails = within(form).getByLabelText(/e-mails, one per line/);
    await userEvent.click(emails);
    await userEvent.paste('ana@example.org\n bo@example.org\n\nana@example.org');
    await userEvent.click(within(form).getByRole('button', { name: 'Save sharing' }));

    expect(await screen.findByText('Sharing saved.')).toBeInTheDocument();
    expect(api.calls('PUT /api/models/gpt-4o-mini/sharing')[0].body).toEqual({
      all: false,
      researchers: ['ana@example.org', 'bo@example.org'],
    });
    expect(screen.queryByRole('form', { name: 'Share gpt-4o-mini' })).toBeNull();
    expect(accessOf('gpt-4o-mini')).toHaveTextContent('Yours with ana@example.org, bo@example.org');
    await waitFor(() => expect(api.calls('GET /api/models')).toHaveLength(2));
  });

  it('shows an unknown researcher next to the e-mails', async () => {
    mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing] }),
      'PUT /api/models/gpt-4o-mini/sharing': () =>
        errorResponse(422, 'model_endpoint_refused', 'Not a researcher: nobody@example.org', [
          { field: 'researchers', message: 'Not a researcher: nobody@example.org' },
        ]),
      ...secretsRoute,
    });
    renderModels(researcher);
    await userEvent.click(await screen.findByRole('button', { name: 'Share gpt-4o-mini' }));
    const form = screen.getByRole('form', { name: 'Share gpt-4o-mini' });
    const emails = within(form).getByLabelText(/e-mails, one per line/);
    await userEvent.type(emails, 'nobody@example.org');
    await userEvent.click(within(form).getByRole('button', { name: 'Save sharing' }));

    expect(await within(form).findByRole('alert')).toHaveAttribute('data-error-code', 'model_endpoint_refused');
    expect(emails).toHaveAttribute('aria-invalid', 'true');
    expect(document.getElementById(emails.getAttribute('aria-describedby') ?? '')).toHaveTextContent(
      'Not a researcher: nobody@example.org',
    );
    expect(screen.queryByText('Sharing saved.')).toBeNull();
  });

  it("lets an admin share anyone's model with everyone", async () => {
    const others: ModelEndpoint = { ...local, shared_with: ['ana@example.org'] };
    const mineToo: ModelEndpoint = { ...everyones, shared_with: ['boss@example.org'] };
    const opened: ModelEndpoint = { ...others, shared_with_all: true };
    const api = mockApi({
      'GET /api/models': [
        () => jsonResponse(200, { models: [others, mineToo] }),
        () => jsonResponse(200, { models: [opened, mineToo] }),
      ],
      'PUT /api/models/llama3%3A8b/sharing': () => jsonResponse(200, opened),
      ...secretsRoute,
    });
    renderModels(admin);
    await screen.findByRole('table');
    // An admin sees every model, even those nobody shared with them.
    expect(accessOf('llama3:8b')).toHaveTextContent("Someone else’s with ana@example.org");
    expect(accessOf('house-model')).toHaveTextContent(/^Shared with everyone/);

    await userEvent.click(screen.getByRole('button', { name: 'Share llama3:8b' }));
    const form = screen.getByRole('form', { name: 'Share llama3:8b' });
    expect(within(form).getByLabelText(/e-mails, one per line/)).toHaveValue('ana@example.org');
    const everyone = within(form).getByRole('checkbox', { name: 'Share with every researcher' });
    expect(everyone).not.toBeChecked();
    await userEvent.click(everyone);
    await userEvent.click(within(form).getByRole('button', { name: 'Save sharing' }));

    await screen.findByText('Sharing saved.');
    expect(api.calls('PUT /api/models/llama3%3A8b/sharing')[0].body).toEqual({
      all: true,
      researchers: ['ana@example.org'],
    });
    expect(accessOf('llama3:8b')).toHaveTextContent('Shared with everyone');
  });

  it('labels a model an admin was given by name as shared with them', async () => {
    const given: ModelEndpoint = { ...local, shared_with: ['ana@example.org', 'boss@example.org'] };
    mockApi({ 'GET /api/models': () => jsonResponse(200, { models: [given] }), ...secretsRoute });
    renderModels(admin);
    expect(await screen.findByTestId('model-access-llama3:8b')).toHaveTextContent(/^Shared with you/);
  });
  it("shows the server's refusal, with its counts, when a model in use is deleted, and keeps it listed", async () => {
    const message =
      "Model 'gpt-4o-mini' is in use (12 candidates, 2 generation jobs) and was not deleted: " +
      'what it made keeps its name as provenance.';
    const api = mockApi({
      'GET /api/models': () => jsonResponse(200, { models: [existing, local] }),
      'DELETE /api/models/gpt-4o-mini': () =>
        errorResponse(409, 'model_in_use', message, { candidates: 12, tree_replies: 0, generation_jobs: 2 }),
      ...secretsRoute,
    });
    renderModels();
    await screen.findByRole('table');
    // Only the owner (or an admin) may delete: no button on a model shared with the viewer.
    expect(within(rowOf('llama3:8b')).queryByRole('button', { name: /Delete/ })).toBeNull();
    await userEvent.click(within(rowOf('gpt-4o-mini')).getByRole('button', { name: 'Delete gpt-4o-mini' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting gpt-4o-mini' });
    await userEvent.click(within(confirm).getByRole('button', { name: 'Yes, delete' }));
    const alert = await within(screen.getByTestId('delete-model-gpt-4o-mini')).findByRole('alert');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-error-code', 'model_in_use');
    expect(api.calls('DELETE /api/models/gpt-4o-mini')).toHaveLength(1);
    expect(rowOf('gpt-4o-mini')).toBeInTheDocument();
  });

  it('deletes an unused model after asking, and the list no longer shows it', async () => {
    const api = mockApi({
      'GET /api/models': [
        () => jsonResponse(200, { models: [existing, local] }),
        () => jsonResponse(200, { models: [local] }),
      ],
      'DELETE /api/models/gpt-4o-mini': () => new Response(null, { status: 204 }),
      ...secretsRoute,
    });
    renderModels();
    await screen.findByRole('table');
    await userEvent.click(within(rowOf('gpt-4o-mini')).getByRole('button', { name: 'Delete gpt-4o-mini' }));
    expect(api.calls('DELETE /api/models/gpt-4o-mini')).toHaveLength(0); // not before it is confirmed
    await userEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(screen.queryByTestId('model-row-gpt-4o-mini')).toBeNull());
    expect(api.calls('DELETE /api/models/gpt-4o-mini')).toHaveLength(1);
    expect(rowOf('llama3:8b')).toBeInTheDocument();
  });
});
