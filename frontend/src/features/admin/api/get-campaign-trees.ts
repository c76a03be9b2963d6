import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { TreeList, TreeState } from '@/lib/api-types';

export const TREE_PAGE = 50;

export const getCampaignTrees = (slug: string, state: TreeState | null): Promise<TreeList> => {
  const query = new URLSearchParams({ limit: String(TREE_PAGE) });
  if (state) query.set('state', state);
  return api.get(`/api/campaigns/${seg(slug)}/trees?${query}`);
};

/** Every tree query of the campaign starts with this key (invalidate it after a change). */
export const campaignTreesQueryKey = (slug: string) => ['campaigns', slug, 'trees'] as const;

export const getCampaignTreesQueryOptions = (slug: string, state: TreeState | null) =>
  queryOptions({ queryKey: [...campaignTreesQueryKey(slug), state ?? 'all'], queryFn: () => getCampaignTrees(slug, state) });

export const useCampaignTrees = (slug: string, state: TreeState | null) => useQuery(getCampaignTreesQueryOptions(slug, state));
