// The typed API client: openapi-fetch over the generated `api-schema.d.ts`, so a path, its
// parameters and its body are checked against the backend's OpenAPI schema by `tsc`.
import createClient from 'openapi-fetch';

import type { paths } from './api-schema';
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Retry-After as seconds or as an HTTP date, in ms from now. */
function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function toApiError(response: Response, body: unknown): ApiError {
  const { status } = response;
  const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
  const envelope = (body as Partial<ApiErrorBody> | undefined)?.error;
  if (envelope && typeof envelope.message === 'string') {
    return new ApiError(status, envelope.code ?? `http_${status}`, envelope.message, envelope.details ?? null, retryAfterMs);
  }
  // Not our envelope (e.g. a proxy's HTML 502 page): still give the user something readable.
  const message = status >= 500 ? `The server had a problem (HTTP ${status}). Please try again.` : `Request failed (HTTP ${status}).`;
  return new ApiError(status, `http_${status}`, message, body === '' || body === undefined ? null : body, retryAfterMs);
}

/**
 * What openapi-fetch builds in place of a `Request`: the relative path and the init as they are,
 * sent as `fetch(path, init)`. The browser then resolves the path against the page and sets the
 * multipart boundary of a FormData body itself, as before; a native `Request` would also refuse a
 * relative path outside a browser (tests run under jsdom).
 */
class Outgoing {
  readonly url: string;
  readonly method: string;
  readonly init: RequestInit;

  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.init = init;
    this.method = (init.method ?? 'GET').toUpperCase();
  }
}

/** Adds the CSRF header on writes; a failed connection becomes a NetworkError (an abort stays one). */
async function send(outgoing: Outgoing): Promise<Response> {
  const headers = new Headers(outgoing.init.headers);
  if (!SAFE_METHODS.has(outgoing.method)) {
    const token = getCookie(CSRF_COOKIE);
    if (token) headers.set(CSRF_HEADER, token);
  }
  try {
    return await fetch(outgoing.url, { ...outgoing.init, headers });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError();
  }
}

export const client = createClient<paths>({
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
  Request: Outgoing as unknown as typeof Request,
  fetch: send as unknown as (request: Request) => Promise<Response>,
});

type Answered<T> = { data?: T; error?: unknown; response: Response };

/**
 * The data of a 2xx answer (undefined for 204); any other status throws an ApiError carrying the
 * error envelope's code, message and details. Wrap every `client.GET/POST/…` call in it.
 */
export async function unwrap<T>(answer: Promise<Answered<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) throw toApiError(response, error);
  return data as T;
}

/** Every field optional, at every depth (through arrays and unions). */
type Defaultable<T> = T extends (infer U)[] ? Defaultable<U>[] : T extends object ? { [K in keyof T]?: Defaultable<T[K]> } : T;

/**
 * A request body that may leave out the fields the server defaults. openapi-typescript types such
 * a field as required in every schema component, requests included; the feature's input type
 * (`WithDefaults` in api-types) says which ones the caller may leave out. Wrong names and types
 * still fail `tsc` here.
 */
export const serverDefaults = <T>(body: NoInfer<Defaultable<NonNullable<T>>>): NonNullable<T> => body as NonNullable<T>;

/**
 * A multipart body: the schema names the file fields (typed as strings, their binary format) and
 * the server gets FormData, for which the browser sets the Content-Type with its boundary.
 */
export const formData = <T>(files: NoInfer<Record<keyof NonNullable<T>, File | File[]>>): NonNullable<T> => {
  const form = new FormData();
  for (const [name, value] of Object.entries<File | File[]>(files)) {
    for (const file of Array.isArray(value) ? value : [value]) form.append(name, file, file.name);
  }
  return form as unknown as NonNullable<T>;
};

/** Encode one path segment of a URL built by hand (a link, not a request: requests use `client`). */
export const seg = (value: string | number) => encodeURIComponent(String(value));

