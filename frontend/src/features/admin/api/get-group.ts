import { useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { AnnotatorGroupDetail } from '@/lib/api-types';

import { groupsQueryKey } from './get-groups';

/** A group with its members, for an admin or the researcher who made it. */
export const getGroup = (groupId: number): Promise<AnnotatorGroupDetail> =>
  unwrap(client.GET('/api/groups/{group_id}', { params: { path: { group_id: groupId } } }));

export const groupQueryKey = (groupId: number) => [...groupsQueryKey, groupId] as const;

export const useGroup = (groupId: number) => useQuery({ queryKey: groupQueryKey(groupId), queryFn: () => getGroup(groupId) });
