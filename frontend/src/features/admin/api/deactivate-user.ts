import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { Account } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { replaceCachedAccount, usersQueryKey } from './get-users';

/** The user can no longer sign in; their sessions end and their API tokens stop working. */
export const deactivateUser = (userId: number): Promise<Account> => unwrap(client.POST('/api/users/{user_id}/deactivate', { params: { path: { user_id: userId } } }));

export const useDeactivateUser = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof deactivateUser> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: deactivateUser,
    onSuccess: (account, ...args) => {
      replaceCachedAccount(queryClient, account);
      void queryClient.invalidateQueries({ queryKey: usersQueryKey });
      onSuccess?.(account, ...args);
    },
  });
};
