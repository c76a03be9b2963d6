import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, MemoryRouter, Route, RouterProvider, Routes } from 'react-router-dom';
import { vi } from 'vitest';

import { AppProvider } from '@/app/provider';
import { routes } from '@/app/router';

export const jsonResponse = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });

export const errorResponse = (status: number, code: string, message: string, details: unknown = null) =>
  jsonResponse(status, { error: { code, message, details } });

export type RecordedRequest = { method: string; url: string; headers: Headers; body: unknown };

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

/**
 * Stubs global fetch with a tiny router: keys are "METHOD /path". A handler may be a list, used
 * one response per call (the last one repeats). Every request is recorded for assertions.
 */
export function mockApi(routes: Record<string, Handler | Handler[]>) {
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const rawBody = init.body;
    const body = typeof rawBody === 'string' ? JSON.parse(rawBody) : rawBody;
    const request = { method, url, headers: new Headers(init.headers), body };
    requests.push(request);
    const key = `${method} ${url}`;
    const route = routes[key];
    if (!route) throw new Error(`Unmocked request: ${key}`);
    const handlers = Array.isArray(route) ? route : [route];
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    return handlers[Math.min(n, handlers.length - 1)](request);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetchMock, requests, calls: (key: string) => requests.filter((r) => `${r.method} ${r.url}` === key) };
}

export const networkFailure: Handler = () => Promise.reject(new TypeError('Failed to fetch'));

export function createTestQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

/** Renders `element` at `path` inside the real providers, starting at `url`. */
export function renderRoute(element: ReactElement, { path, url, extra = [] }: { path: string; url: string; extra?: { path: string; element: ReactElement }[] }) {
  const queryClient = createTestQueryClient();
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path={path} element={element} />
          {extra.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
        </Routes>
      </MemoryRouter>
    </AppProvider>,
  );
  return { ...utils, queryClient };
}

/** The whole app's routes, starting at `url`; returns the router to read its location. */
export function renderApp(url: string) {
  const router = createMemoryRouter(routes, { initialEntries: [url] });
  render(
    <AppProvider queryClient={createTestQueryClient()}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return router;
}
