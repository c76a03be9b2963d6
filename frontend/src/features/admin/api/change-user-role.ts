import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { Account, Role } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { replaceCachedAccount, usersQueryKey } from './get-users';

export type RoleChange = { userId: number; role: Role };

/** Takes effect at once; the last active admin cannot be demoted (409 last_admin). */
export const changeUserRole = ({ userId, role }: RoleChange): Promise<Account> =>
  unwrap(client.PUT('/api/users/{user_id}/role', { params: { path: { user_id: userId } }, body: { role } }));

export const useChangeUserRole = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof changeUserRole> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: changeUserRole,
    onSuccess: (account, ...args) => {
      replaceCachedAccount(queryClient, account);
      void queryClient.invalidateQueries({ queryKey: usersQueryKey });
      onSuccess?.(account, ...args);
    },
  });
};
