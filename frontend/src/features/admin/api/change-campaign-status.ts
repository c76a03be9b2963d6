import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignDetail, CampaignStatus } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/** Moves a campaign along its lifecycle; 409 `invalid_transition` for a move its status forbids. */
export const changeCampaignStatus = ({ slug, status }: { slug: string; status: CampaignStatus }): Promise<CampaignDetail> =>
  unwrap(client.POST('/api/campaigns/{slug}/status', { params: { path: { slug } }, body: { status } }));

export const useChangeCampaignStatus = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof changeCampaignStatus> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: changeCampaignStatus,
    onSuccess: (campaign, ...args) => {
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
      queryClient.setQueryData(['campaigns', campaign.slug], campaign);
      onSuccess?.(campaign, ...args);
    },
  });
};
