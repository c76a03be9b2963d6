import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { MutationConfig } from '@/lib/react-query';

import { markSignedOutOnPurpose } from '../lib';

import { startSession } from './get-me';

export const logout = (): Promise<void> => unwrap(client.POST('/api/auth/logout'));

export const useLogout = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof logout> } = {}) => {
  const queryClient = useQueryClient();
  const { onSettled, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: logout,
    // Even if the request fails the user asked to leave: forget everything locally. The caller
    // navigates away first, so the auth guard does not record this page as a post-login target.
    onSettled: async (...args) => {
      await onSettled?.(...args);
      markSignedOutOnPurpose();
      startSession(queryClient, null);
    },
  });
};
