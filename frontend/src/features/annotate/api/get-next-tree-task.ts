import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { TreeNextResponse } from '@/lib/api-types';

import { LEASING_QUERY } from './get-next-task';

export const getNextTreeTask = (slug: string): Promise<TreeNextResponse> =>
  unwrap(client.GET('/api/annotate/{slug}/tree-tasks/next', { params: { path: { slug } } }));

export const nextTreeTaskQueryKey = (slug: string) => ['annotate', slug, 'tree-tasks', 'next'] as const;

/** Leases a tree task, so it runs on arrival and after each answer, never by itself. */
export const getNextTreeTaskQueryOptions = (slug: string) =>
  queryOptions({ queryKey: nextTreeTaskQueryKey(slug), queryFn: () => getNextTreeTask(slug), ...LEASING_QUERY });

export const useNextTreeTask = (slug: string) => useQuery(getNextTreeTaskQueryOptions(slug));
