import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { CampaignList } from '@/lib/api-types';

export const getCampaigns = (): Promise<CampaignList> => api.get('/api/campaigns');

export const getCampaignsQueryOptions = () => queryOptions({ queryKey: ['campaigns'], queryFn: getCampaigns });

export const useCampaigns = () => useQuery({ ...getCampaignsQueryOptions(), refetchInterval: 15_000 });
