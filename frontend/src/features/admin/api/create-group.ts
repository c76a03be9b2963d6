import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { AnnotatorGroupDetail, CreateGroupBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { groupsQueryKey } from './get-groups';

/** 409 `group_exists` when the name is taken. */
export const createGroup = (body: CreateGroupBody): Promise<AnnotatorGroupDetail> =>
  unwrap(client.POST('/api/groups', { body: serverDefaults(body) }));

export const useCreateGroup = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createGroup> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createGroup,
    onSuccess: (group, ...args) => {
      void queryClient.invalidateQueries({ queryKey: groupsQueryKey });
      onSuccess?.(group, ...args);
    },
  });
};
