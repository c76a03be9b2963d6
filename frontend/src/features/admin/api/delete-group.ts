import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';

import { groupsQueryKey } from './get-groups';

/** Its members' accounts stay; campaigns that name it no longer match anyone through it. */
export const deleteGroup = (groupId: number): Promise<unknown> =>
  unwrap(client.DELETE('/api/groups/{group_id}', { params: { path: { group_id: groupId } } }));

export const useDeleteGroup = ({ onDeleted }: { onDeleted?: () => void } = {}) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteGroup,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: groupsQueryKey });
      onDeleted?.();
    },
  });
};
