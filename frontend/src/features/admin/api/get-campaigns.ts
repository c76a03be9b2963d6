import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignList } from '@/lib/api-types';

export const getCampaigns = (): Promise<CampaignList> => unwrap(client.GET('/api/campaigns'));

export const getCampaignsQueryOptions = () => queryOptions({ queryKey: ['campaigns'], queryFn: getCampaigns });

export const useCampaigns = () => useQuery({ ...getCampaignsQueryOptions(), refetchInterval: 15_000 });
