import { mockApi, jsonResponse, errorResponse, networkFailure } from '@/testing/test-utils';

import { api, ApiError, NetworkError } from './api-client';

describe('api client', () => {
  it('sends the CSRF cookie as X-CSRF-Token on POST but not on GET', async () => {
    document.cookie = 'other=1';
    document.cookie = 'prefhub_csrf=tok%3Den123';
    const { requests } = mockApi({
      'GET /api/auth/me': () => jsonResponse(200, { id: 1 }),
      'POST /api/auth/logout': () => jsonResponse(204),
    });

    await api.get('/api/auth/me');
    await api.post('/api/auth/logout');

    const [get, post] = requests;
    expect(get.headers.has('X-CSRF-Token')).toBe(false);
    expect(post.headers.get('X-CSRF-Token')).toBe('tok=en123');
    const init = vi.mocked(fetch).mock.calls[1][1];
    expect(init?.credentials).toBe('same-origin');
  });

  it('sends JSON bodies and returns undefined for 204', async () => {
    const { requests } = mockApi({ 'POST /api/x': () => jsonResponse(204) });
    await expect(api.post('/api/x', { a: 1 })).resolves.toBeUndefined();
    expect(requests[0].body).toEqual({ a: 1 });
    expect(requests[0].headers.get('Content-Type')).toBe('application/json');
  });

  it('turns the error envelope into an ApiError carrying code, message and details', async () => {
    mockApi({ 'POST /api/auth/login': () => errorResponse(401, 'invalid_credentials', 'Wrong email or password.') });
    const error = await api.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials', message: 'Wrong email or password.' });
  });

  it('reports a non-JSON server failure readably', async () => {
    mockApi({ 'GET /api/x': () => new Response('<html>Bad gateway</html>', { status: 502 }) });
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('reports a failed connection as a NetworkError', async () => {
    mockApi({ 'GET /api/x': networkFailure });
    await expect(api.get('/api/x')).rejects.toBeInstanceOf(NetworkError);
  });
});
