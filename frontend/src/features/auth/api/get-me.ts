import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, isApiError } from '@/lib/api-client';
import type { User } from '@/lib/api-types';

/** The signed-in user, or null when there is no session (401 is an answer here, not an error). */
export const getMe = async (): Promise<User | null> => {
  try {
    return await api.get<User>('/api/auth/me');
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
};

export const meQueryKey = ['auth', 'me'] as const;

export const getMeQueryOptions = () =>
  queryOptions({ queryKey: meQueryKey, queryFn: getMe, staleTime: 5 * 60_000 });

export const useUser = () => useQuery(getMeQueryOptions());
