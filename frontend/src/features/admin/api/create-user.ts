import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CreateUserBody, User } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { usersQueryKey } from './get-users';

/** 422 `weak_password` (the message says why), 409 `user_exists`. */
export const createUser = (body: CreateUserBody): Promise<User> =>
  unwrap(client.POST('/api/users', { body: serverDefaults(body) }));

export const useCreateUser = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createUser> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createUser,
    onSuccess: (user, ...args) => {
      // The answer lacks is_active and created_at, and the total changed: reload the pages.
      void queryClient.invalidateQueries({ queryKey: usersQueryKey });
      onSuccess?.(user, ...args);
    },
  });
};
