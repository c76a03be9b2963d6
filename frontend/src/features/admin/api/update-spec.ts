import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignDetail, CampaignSpec } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type UpdateSpecInput = { slug: string; spec: CampaignSpec };

/** Saves `spec` as the campaign's next version; judgments keep the version they were made under. */
export const updateSpec = ({ slug, spec }: UpdateSpecInput): Promise<CampaignDetail> =>
  unwrap(client.PUT('/api/campaigns/{slug}/spec', { params: { path: { slug } }, body: spec }));

export const useUpdateSpec = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof updateSpec> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: updateSpec,
    onSuccess: (campaign, ...args) => {
      queryClient.setQueryData(['campaigns', campaign.slug], campaign);
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] }); // the list and the versions
      onSuccess?.(campaign, ...args);
    },
  });
};
