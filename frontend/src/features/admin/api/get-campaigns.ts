import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignList } from '@/lib/api-types';

/** The researcher's campaigns in every status; archived ones only when asked for. */
export const getCampaigns = (includeArchived = false): Promise<CampaignList> =>
  unwrap(client.GET('/api/campaigns', { params: { query: includeArchived ? { include_archived: true } : {} } }));

// Under ['campaigns'], so that invalidating that key refreshes every list and every campaign.
export const getCampaignsQueryOptions = (includeArchived = false) =>
  queryOptions({ queryKey: ['campaigns', { includeArchived }], queryFn: () => getCampaigns(includeArchived) });

export const useCampaigns = (includeArchived = false) =>
  useQuery({ ...getCampaignsQueryOptions(includeArchived), refetchInterval: 15_000 });
