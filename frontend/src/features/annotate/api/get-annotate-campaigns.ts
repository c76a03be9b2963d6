import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { AnnotateCampaignList } from '@/lib/api-types';

export const getAnnotateCampaigns = (): Promise<AnnotateCampaignList> =>
  unwrap(client.GET('/api/annotate/campaigns'));

export const getAnnotateCampaignsQueryOptions = () =>
  queryOptions({ queryKey: ['annotate', 'campaigns'], queryFn: getAnnotateCampaigns, staleTime: 0 });

export const useAnnotateCampaigns = () => useQuery(getAnnotateCampaignsQueryOptions());
