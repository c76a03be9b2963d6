import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';

import { client, isApiError, unwrap } from '@/lib/api-client';
import type { User } from '@/lib/api-types';

import { consumeSignedOutOnPurpose } from '../lib';

/** The signed-in user, or null when there is no session (401 is an answer here, not an error). */
export const getMe = async (): Promise<User | null> => {
  try {
    return await unwrap(client.GET('/api/auth/me'));
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
};

export const meQueryKey = ['auth', 'me'] as const;

export const getMeQueryOptions = () =>
  queryOptions({ queryKey: meQueryKey, queryFn: getMe, staleTime: 5 * 60_000 });

export const useUser = () => useQuery(getMeQueryOptions());

/**
 * Switch the cache to a new session (login, logout): drop everything cached for the previous
 * user, then set the current user. `clear()` would also orphan mounted observers of `me`
 * (the header), so remove the other queries only and update `me` in place.
 */
export function startSession(queryClient: QueryClient, user: User | null) {
  if (user) consumeSignedOutOnPurpose();
  void queryClient.cancelQueries();
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
  queryClient.setQueryData(meQueryKey, user);
}
