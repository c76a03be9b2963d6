import { mockApi, jsonResponse, errorResponse, networkFailure } from '@/testing/test-utils';

import { ApiError, client, isTemporarilyUnavailable, NetworkError, unwrap } from './api-client';
import { retryWhileUnavailable } from './react-query';

const me = () => unwrap(client.GET('/api/auth/me'));
const logout = () => unwrap(client.POST('/api/auth/logout'));
const halt = (reason: string) => unwrap(client.POST('/api/trees/{tree_id}/halt', { params: { path: { tree_id: 9 } }, body: { reason } }));

describe('api client', () => {
  it('sends the CSRF cookie as X-CSRF-Token on POST but not on GET, with the session cookie', async () => {
    document.cookie = 'other=1';
    document.cookie = 'prefhub_csrf=tok%3Den123';
    const { requests, fetchMock } = mockApi({
      'GET /api/auth/me': () => jsonResponse(200, { id: 1 }),
      'POST /api/auth/logout': () => jsonResponse(204),
    });

    await me();
    await logout();

    const [get, post] = requests;
    expect(get.headers.has('X-CSRF-Token')).toBe(false);
    expect(post.headers.get('X-CSRF-Token')).toBe('tok=en123');
    expect(fetchMock.mock.calls[1][1]?.credentials).toBe('same-origin');
  });

  it('fills path parameters, encoded, sends JSON bodies and returns undefined for 204', async () => {
    const { requests } = mockApi({ 'POST /api/trees/9/halt': () => jsonResponse(204) });
    await expect(halt('Off topic')).resolves.toBeUndefined();
    expect(requests[0].body).toEqual({ reason: 'Off topic' });
    expect(requests[0].headers.get('Content-Type')).toBe('application/json');

    const models = mockApi({ 'POST /api/models/llama3%3A8b/test': () => jsonResponse(200, { ok: true }) });
    await unwrap(client.POST('/api/models/{name}/test', { params: { path: { name: 'llama3:8b' } } }));
    expect(models.requests).toHaveLength(1);
  });

  it('serialises query parameters in the order given and leaves out undefined ones', async () => {
    const { requests } = mockApi({ 'GET /api/users?limit=20&offset=40': () => jsonResponse(200, { users: [] }) });
    await unwrap(client.GET('/api/users', { params: { query: { limit: 20, offset: 40 } } }));
    expect(requests).toHaveLength(1);
  });

  it('turns the error envelope into an ApiError carrying code, message and details', async () => {
    mockApi({
      'POST /api/auth/login': () => errorResponse(401, 'invalid_credentials', 'Wrong email or password.', { hint: 1 }),
    });
    const error = await unwrap(client.POST('/api/auth/login', { body: { email: 'a@b.c', password: 'x' } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'Wrong email or password.',
      details: { hint: 1 },
    });
  });

  it('reports a non-JSON server failure readably', async () => {
    mockApi({ 'GET /api/auth/me': () => new Response('<html>Bad gateway</html>', { status: 502 }) });
    await expect(me()).rejects.toMatchObject({ status: 502, code: 'http_502', details: '<html>Bad gateway</html>' });
  });

  it('reports a failed connection as a NetworkError', async () => {
    mockApi({ 'GET /api/auth/me': networkFailure });
    await expect(me()).rejects.toBeInstanceOf(NetworkError);
  });

  it("reads a 503's Retry-After and retries it within reason, but not a 4xx or a 500", async () => {
    mockApi({
      'POST /api/auth/logout': () =>
        new Response(JSON.stringify({ error: { code: 'database_unavailable', message: 'Briefly unavailable.', details: null } }), {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '3' },
        }),
    });
    const error = (await logout().catch((e: unknown) => e)) as ApiError;
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

/** Not run: each line must fail `tsc`, so a wrong path, parameter or body never reaches the server. */
export function typeErrors() {
  // @ts-expect-error no such path
  void client.GET('/api/no-such-path');
  // @ts-expect-error the path parameter is a number
  void client.POST('/api/trees/{tree_id}/halt', { params: { path: { tree_id: 'x' } }, body: { reason: '' } });
  // @ts-expect-error the body lacks the password
  void client.POST('/api/auth/login', { body: { email: 'a@b.c' } });
}
