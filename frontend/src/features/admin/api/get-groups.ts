import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { AnnotatorGroup } from '@/lib/api-types';

/** Every annotator group, by name (researchers see them all; `managed` says which they may change). */
export const getGroups = (): Promise<AnnotatorGroup[]> => unwrap(client.GET('/api/groups'));

export const groupsQueryKey = ['groups'] as const;

export const useGroups = () => useQuery(queryOptions({ queryKey: groupsQueryKey, queryFn: getGroups }));
