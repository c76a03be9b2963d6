import type { DefaultOptions, UseMutationOptions } from '@tanstack/react-query';

import { isApiError, isRetryable, isTemporarilyUnavailable } from './api-client';

export const queryConfig = {
  queries: {
    refetchOnWindowFocus: false,
    staleTime: 10_000,
    // 4xx answers will not change on retry; connection blips and 5xx might.
    retry: (failureCount, error) => isRetryable(error) && failureCount < 2,
  },
  mutations: { retry: false },
} satisfies DefaultOptions;

// Sends while the server is briefly unavailable, and the longest wait between two of them.
export const UNAVAILABLE_RETRIES = 6;
const MAX_RETRY_DELAY_MS = 15_000;
const MIN_RETRY_DELAY_MS = 250;

/**
 * For idempotent writes only (a submit keyed by its client_id): while the server answers that
 * it is briefly unavailable (503 `database_unavailable`, a proxy's 502/504), send the same
 * request again, after its Retry-After (within reason) or a growing backoff. The mutation stays
 * pending meanwhile (`failureCount > 0`: show "reconnecting", not an error).
 */
export const retryWhileUnavailable = {
  retry: (failureCount: number, error: Error) => isTemporarilyUnavailable(error) && failureCount < UNAVAILABLE_RETRIES,
  retryDelay: (failureCount: number, error: Error) => {
    const asked = isApiError(error) ? error.retryAfterMs : null;
    const delay = asked ?? 1000 * 2 ** failureCount;
    return Math.min(Math.max(delay, MIN_RETRY_DELAY_MS), MAX_RETRY_DELAY_MS);
  },
};

export const isUnauthenticated = (error: unknown) => isApiError(error) && error.status === 401;

export type ApiFnReturnType<FnType extends (...args: any) => Promise<any>> = Awaited<ReturnType<FnType>>;

export type QueryConfig<T extends (...args: any[]) => any> = Omit<ReturnType<T>, 'queryKey' | 'queryFn'>;

export type MutationConfig<MutationFnType extends (...args: any) => Promise<any>> = UseMutationOptions<
  ApiFnReturnType<MutationFnType>,
  Error,
  Parameters<MutationFnType>[0]
>;
