import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { MutationConfig } from '@/lib/react-query';

import { tokensQueryKey } from './get-tokens';

/** The token stops working at once; it stays listed as revoked. 404 for another user's token. */
export const revokeToken = (tokenId: number): Promise<void> =>
  unwrap(client.DELETE('/api/auth/tokens/{token_id}', { params: { path: { token_id: tokenId } } }));

export const useRevokeToken = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof revokeToken> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: revokeToken,
    onSuccess: (...args) => {
      void queryClient.invalidateQueries({ queryKey: tokensQueryKey });
      onSuccess?.(...args);
    },
  });
};
