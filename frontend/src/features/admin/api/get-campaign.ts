import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignDetail } from '@/lib/api-types';

export const getCampaign = (slug: string): Promise<CampaignDetail> => unwrap(client.GET('/api/campaigns/{slug}', { params: { path: { slug } } }));

export const getCampaignQueryOptions = (slug: string) =>
  queryOptions({ queryKey: ['campaigns', slug], queryFn: () => getCampaign(slug) });

/** How often an open campaign page re-reads its status and progress (annotators work meanwhile). */
export const CAMPAIGN_REFRESH_MS = 15_000;

export const useCampaign = (slug: string) => useQuery({ ...getCampaignQueryOptions(slug), refetchInterval: CAMPAIGN_REFRESH_MS });
