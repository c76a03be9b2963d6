import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { LoginRequest, LoginResponse } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { startSession } from './get-me';

export type LoginInput = LoginRequest;

export const login = (input: LoginInput): Promise<LoginResponse> => unwrap(client.POST('/api/auth/login', { body: input }));

export const useLogin = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof login> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationKey: ['login'],
    mutationFn: login,
    onSuccess: (data, ...args) => {
      startSession(queryClient, data.user);
      onSuccess?.(data, ...args);
    },
  });
};
