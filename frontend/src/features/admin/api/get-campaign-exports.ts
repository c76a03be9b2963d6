import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ExportJobList } from '@/lib/api-types';

export const getCampaignExports = (slug: string): Promise<ExportJobList> =>
  unwrap(client.GET('/api/campaigns/{slug}/exports', { params: { path: { slug } } }));

export const campaignExportsQueryKey = (slug: string) => ['campaigns', slug, 'exports'] as const;

export const getCampaignExportsQueryOptions = (slug: string) =>
  queryOptions({ queryKey: campaignExportsQueryKey(slug), queryFn: () => getCampaignExports(slug) });

export const useCampaignExports = (slug: string) => useQuery(getCampaignExportsQueryOptions(slug));
