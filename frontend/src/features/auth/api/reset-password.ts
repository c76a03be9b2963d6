import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { PasswordResetBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { meQueryKey } from './get-me';

/** Set a new password with a reset link's token (no session needed). */
export const resetPassword = (body: PasswordResetBody): Promise<void> =>
  unwrap(client.POST('/api/auth/password-reset', { body }));

export const useResetPassword = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof resetPassword> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: resetPassword,
    onSuccess: (...args) => {
      // Every session of that user ended: if it was this browser's, it is signed out now.
      void queryClient.invalidateQueries({ queryKey: meQueryKey });
      return onSuccess?.(...args);
    },
  });
};
