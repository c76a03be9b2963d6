import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CampaignDetail, NewCampaignInput } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export const createCampaign = (campaign: NewCampaignInput): Promise<CampaignDetail> =>
  unwrap(client.POST('/api/campaigns', { body: serverDefaults(campaign) }));

export const useCreateCampaign = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createCampaign> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createCampaign,
    onSuccess: (campaign, ...args) => {
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
      queryClient.setQueryData(['campaigns', campaign.slug], campaign);
      onSuccess?.(campaign, ...args);
    },
  });
};
