import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CampaignDetail, CampaignSpecInput } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { getCampaignsQueryOptions } from './get-campaigns';

export const createCampaign = (spec: CampaignSpecInput): Promise<CampaignDetail> =>
  unwrap(client.POST('/api/campaigns', { body: serverDefaults(spec) }));

export const useCreateCampaign = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createCampaign> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createCampaign,
    onSuccess: (campaign, ...args) => {
      queryClient.setQueryData(['campaigns', campaign.slug], campaign);
      void queryClient.invalidateQueries({ queryKey: getCampaignsQueryOptions().queryKey, exact: true });
      onSuccess?.(campaign, ...args);
    },
  });
};
