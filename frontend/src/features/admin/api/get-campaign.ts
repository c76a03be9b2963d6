import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { CampaignDetail } from '@/lib/api-types';

export const getCampaign = (slug: string): Promise<CampaignDetail> => api.get(`/api/campaigns/${seg(slug)}`);

export const getCampaignQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ['campaigns', slug], queryFn: () => getCampaign(slug) });

export const useCampaign = (slug: string) => useQuery(getCampaignQueryOptions(slug));
