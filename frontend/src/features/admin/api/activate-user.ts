import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { Account } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { replaceCachedAccount, usersQueryKey } from './get-users';

/** The user can sign in again, and their API tokens work again. */
export const activateUser = (userId: number): Promise<Account> => unwrap(client.POST('/api/users/{user_id}/activate', { params: { path: { user_id: userId } } }));

export const useActivateUser = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof activateUser> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: activateUser,
    onSuccess: (account, ...args) => {
      replaceCachedAccount(queryClient, account);
      void queryClient.invalidateQueries({ queryKey: usersQueryKey });
      onSuccess?.(account, ...args);
    },
  });
};
