import { mockApi, jsonResponse, errorResponse, networkFailure } from '@/testing/test-utils';

import { api, ApiError, isTemporarilyUnavailable, NetworkError } from './api-client';
import { retryWhileUnavailable } from './react-query';

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

  it("reads a 503's Retry-After and retries it within reason, but not a 4xx or a 500", async () => {
    mockApi({
      'POST /api/x': () =>
        new Response(JSON.stringify({ error: { code: 'database_unavailable', message: 'Briefly unavailable.', details: null } }), {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '3' },
        }),
    });
    const error = (await api.post('/api/x', {}).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 503, code: 'database_unavailable', retryAfterMs: 3000 });
    expect(isTemporarilyUnavailable(error)).toBe(true);
    expect(retryWhileUnavailable.retry(0, error)).toBe(true);
    expect(retryWhileUnavailable.retryDelay(0, error)).toBe(3000);
    // An hour is not "within reason": capped, and the retries stop after a few.
    const patient = new ApiError(503, 'database_unavailable', 'x', null, 3_600_000);
    expect(retryWhileUnavailable.retryDelay(0, patient)).toBe(15_000);
    expect(retryWhileUnavailable.retry(6, patient)).toBe(false);
    expect(retryWhileUnavailable.retry(0, new ApiError(500, 'internal_error', 'x'))).toBe(false);
    expect(retryWhileUnavailable.retry(0, new ApiError(409, 'lease_expired', 'x'))).toBe(false);
  });
});
