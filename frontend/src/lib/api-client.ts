import type { ApiErrorBody } from './api-types';

export const CSRF_COOKIE = 'prefhub_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** The server answered with an error envelope (or at least a non-2xx status). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** How long the server asked us to wait before trying again (its Retry-After), in ms. */
  readonly retryAfterMs: number | null;

  constructor(status: number, code: string, message: string, details: unknown = null, retryAfterMs: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request never got an answer (offline, DNS, connection reset). Safe to retry. */
export class NetworkError extends Error {
  constructor(message = 'Could not reach the server. Check your connection and try again.') {
    super(message);
    this.name = 'NetworkError';
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** Worth retrying: no answer at all, or a server-side (5xx) failure. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
}

/** The server is there but cannot answer just now (e.g. 503 `database_unavailable` while its
 * database reconnects, or a proxy in front of a restarting API): the same request may succeed
 * in a moment. Only idempotent requests should be sent again on their own. */
export function isTemporarilyUnavailable(error: unknown): error is ApiError {
  return error instanceof ApiError && [502, 503, 504].includes(error.status);
}

export function getCookie(name: string): string | null {
  for (const pair of document.cookie.split(';')) {
    const index = pair.indexOf('=');
    if (index === -1) continue;
    if (pair.slice(0, index).trim() === name) {
      return decodeURIComponent(pair.slice(index + 1).trim());
    }
  }
  return null;
}

type RequestOptions = {
  json?: unknown;
  formData?: FormData;
  signal?: AbortSignal;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Retry-After as seconds or as an HTTP date, in ms from now. */
function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function toApiError(status: number, body: unknown, headers: Headers): ApiError {
  const retryAfterMs = parseRetryAfter(headers.get('Retry-After'));
  const envelope = (body as Partial<ApiErrorBody> | undefined)?.error;
  if (envelope && typeof envelope.message === 'string') {
    return new ApiError(status, envelope.code ?? `http_${status}`, envelope.message, envelope.details ?? null, retryAfterMs);
  }
  // Not our envelope (e.g. a proxy's HTML 502 page): still give the user something readable.
  const message = status >= 500 ? `The server had a problem (HTTP ${status}). Please try again.` : `Request failed (HTTP ${status}).`;
  return new ApiError(status, `http_${status}`, message, body ?? null, retryAfterMs);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers = new Headers({ Accept: 'application/json' });
  let body: BodyInit | undefined;
  if (options.formData) {
    body = options.formData; // the browser sets the multipart boundary itself
  } else if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  if (!SAFE_METHODS.has(method.toUpperCase())) {
    const token = getCookie(CSRF_COOKIE);
    if (token) headers.set(CSRF_HEADER, token);
  }

  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError();
  }

  const data = await readBody(response);
  if (!response.ok) throw toApiError(response.status, data, response.headers);
  return data as T;
}

export const api = {
  get: <T>(path: string, options?: Pick<RequestOptions, 'signal'>) => request<T>('GET', path, options),
  post: <T>(path: string, json?: unknown) => request<T>('POST', path, { json }),
  put: <T>(path: string, json?: unknown) => request<T>('PUT', path, { json }),
  postForm: <T>(path: string, formData: FormData) => request<T>('POST', path, { formData }),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Encode one path segment (slugs come from the URL bar, so never trust them). */
export const seg = (value: string | number) => encodeURIComponent(String(value));
