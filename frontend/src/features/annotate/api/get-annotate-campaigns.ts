import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { AnnotateCampaign } from '@/lib/api-types';

export const getAnnotateCampaigns = (): Promise<{ campaigns: AnnotateCampaign[] }> =>
  api.get('/api/annotate/campaigns');

export const getAnnotateCampaignsQueryOptions = () =>
  queryOptions({ queryKey: ['annotate', 'campaigns'], queryFn: getAnnotateCampaigns, staleTime: 0 });

export const useAnnotateCampaigns = () => useQuery(getAnnotateCampaignsQueryOptions());
