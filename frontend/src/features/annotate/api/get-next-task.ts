import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { NextTaskResponse } from '@/lib/api-types';

export const getNextTask = (slug: string): Promise<NextTaskResponse> =>
  unwrap(client.GET('/api/annotate/{slug}/next', { params: { path: { slug } } }));

export const nextTaskQueryKey = (slug: string) => ['annotate', slug, 'next'] as const;

// Fetching /next leases an item, so it must only happen when we ask for it: on arrival and after
// a submit/skip/expiry, never on focus, reconnect or a timer.
export const LEASING_QUERY = {
  staleTime: Infinity,
  gcTime: 0,
  refetchOnMount: 'always',
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
} as const;

export const getNextTaskQueryOptions = (slug: string) =>
  queryOptions({ queryKey: nextTaskQueryKey(slug), queryFn: () => getNextTask(slug), ...LEASING_QUERY });

export const useNextTask = (slug: string) => useQuery(getNextTaskQueryOptions(slug));
