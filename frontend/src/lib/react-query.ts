import type { DefaultOptions, UseMutationOptions } from '@tanstack/react-query';

import { isApiError, isRetryable } from './api-client';

export const queryConfig = {
  queries: {
    refetchOnWindowFocus: false,
    staleTime: 10_000,
    // 4xx answers will not change on retry; connection blips and 5xx might.
    retry: (failureCount, error) => isRetryable(error) && failureCount < 2,
  },
  mutations: { retry: false },
} satisfies DefaultOptions;

export const isUnauthenticated = (error: unknown) => isApiError(error) && error.status === 401;

export type ApiFnReturnType<FnType extends (...args: any) => Promise<any>> = Awaited<ReturnType<FnType>>;

export type QueryConfig<T extends (...args: any[]) => any> = Omit<ReturnType<T>, 'queryKey' | 'queryFn'>;

export type MutationConfig<MutationFnType extends (...args: any) => Promise<any>> = UseMutationOptions<
  ApiFnReturnType<MutationFnType>,
  Error,
  Parameters<MutationFnType>[0]
>;
