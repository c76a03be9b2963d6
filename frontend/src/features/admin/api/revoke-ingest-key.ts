import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { MutationConfig } from '@/lib/react-query';

import { ingestKeysQueryKey } from './get-ingest-keys';

/** The key is refused (401) from now on; it stays listed as revoked. */
export const revokeIngestKey = ({ slug, keyId }: { slug: string; keyId: number }): Promise<void> =>
  unwrap(client.DELETE('/api/feedback-sources/{slug}/keys/{key_id}', { params: { path: { slug, key_id: keyId } } }));

export const useRevokeIngestKey = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof revokeIngestKey> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: revokeIngestKey,
    onSuccess: (result, variables, ...args) => {
      void queryClient.invalidateQueries({ queryKey: ingestKeysQueryKey(variables.slug) });
      onSuccess?.(result, variables, ...args);
    },
  });
};
