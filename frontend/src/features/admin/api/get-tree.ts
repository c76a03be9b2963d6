import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { TreeDetail } from '@/lib/api-types';

export const getTree = (id: number): Promise<TreeDetail> => unwrap(client.GET('/api/trees/{tree_id}', { params: { path: { tree_id: id } } }));

export const treeQueryKey = (id: number) => ['trees', id] as const;

export const getTreeQueryOptions = (id: number) => queryOptions({ queryKey: treeQueryKey(id), queryFn: () => getTree(id) });

export const useTree = (id: number) => useQuery(getTreeQueryOptions(id));
