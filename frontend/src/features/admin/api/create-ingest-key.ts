import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { IngestKeyCreated } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { ingestKeysQueryKey } from './get-ingest-keys';

/** A write-only key for `POST /api/ingest/{slug}/events`; its secret is in this answer only. */
export const createIngestKey = ({ slug, name }: { slug: string; name: string }): Promise<IngestKeyCreated> =>
  unwrap(client.POST('/api/feedback-sources/{slug}/keys', { params: { path: { slug } }, body: { name } }));

export const useCreateIngestKey = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createIngestKey> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createIngestKey,
    onSuccess: (created, variables, ...args) => {
      void queryClient.invalidateQueries({ queryKey: ingestKeysQueryKey(variables.slug) });
      onSuccess?.(created, variables, ...args);
    },
  });
};
