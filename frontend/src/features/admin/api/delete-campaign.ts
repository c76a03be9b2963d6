import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { MutationConfig } from '@/lib/react-query';

/**
 * Deletes a draft or archived campaign with all it holds. One holding judgments, trees or exports
 * needs its slug and its current judgment count: 409 `confirmation_mismatch` when the count moved.
 */
export const deleteCampaign = ({ slug, judgments }: { slug: string; judgments: number }): Promise<void> =>
  unwrap(client.DELETE('/api/campaigns/{slug}', { params: { path: { slug }, query: { confirm: slug, judgments } } }));

export const useDeleteCampaign = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof deleteCampaign> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: deleteCampaign,
    onSuccess: (data, variables, ...args) => {
      queryClient.removeQueries({ queryKey: ['campaigns', variables.slug], exact: true });
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
      onSuccess?.(data, variables, ...args);
    },
  });
};
