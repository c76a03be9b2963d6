import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ApiTokenCreated } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { tokensQueryKey } from './get-tokens';

/** A new API token for the signed-in researcher or admin; its secret is in this answer only. */
export const createToken = (name: string): Promise<ApiTokenCreated> =>
  unwrap(client.POST('/api/auth/tokens', { body: { name } }));

export const useCreateToken = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createToken> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createToken,
    onSuccess: (created, ...args) => {
      void queryClient.invalidateQueries({ queryKey: tokensQueryKey });
      onSuccess?.(created, ...args);
    },
  });
};
