import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';

import { client, unwrap } from '@/lib/api-client';
import type { CompletionState } from '@/lib/api-types';

export const getCompletion = (slug: string): Promise<CompletionState> =>
  unwrap(client.GET('/api/annotate/{slug}/participation/completion', { params: { path: { slug } } }));

export const completionQueryKey = (slug: string) => ['annotate', slug, 'completion'] as const;

export const getCompletionQueryOptions = (slug: string) =>
  queryOptions({ queryKey: completionQueryKey(slug), queryFn: () => getCompletion(slug) });

/** Progress towards a crowd target; fetched by the participation gate. */
export const useCompletion = (slug: string) => useQuery(getCompletionQueryOptions(slug));

/**
 * The task screens read what the gate fetched and never fetch it themselves (outside the gate,
 * e.g. in their own tests, there is simply no crowd progress). `refresh` after each finished task.
 */
export function useCrowdCompletion(slug: string) {
  const queryClient = useQueryClient();
  const query = useQuery({ ...getCompletionQueryOptions(slug), enabled: false });
  const refresh = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: completionQueryKey(slug) }),
    [queryClient, slug],
  );
  const crowd = query.data?.target != null ? query.data : null;
  return { crowd, refreshing: query.isFetching, refresh };
}
