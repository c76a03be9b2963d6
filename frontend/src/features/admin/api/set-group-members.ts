import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { AnnotatorGroupDetail } from '@/lib/api-types';

import { groupsQueryKey } from './get-groups';
import { groupQueryKey } from './get-group';

export type MembersChange = { groupId: number; members: (string | number)[] };

/** The members become exactly those named (e-mails or user ids); 422 `unknown_users` names any unknown. */
export const setGroupMembers = ({ groupId, members }: MembersChange): Promise<AnnotatorGroupDetail> =>
  unwrap(client.PUT('/api/groups/{group_id}/members', { params: { path: { group_id: groupId } }, body: { members } }));

export const useSetGroupMembers = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setGroupMembers,
    onSuccess: (group) => {
      queryClient.setQueryData(groupQueryKey(group.id), group);
      void queryClient.invalidateQueries({ queryKey: groupsQueryKey, exact: true });
    },
  });
};
