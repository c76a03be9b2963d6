import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { TreeList, TreeState } from '@/lib/api-types';

export const TREE_PAGE = 50;

/** One page of the campaign's trees, newest first; `offset` counts trees skipped (0 is left out of the URL, the server's default). */
export const getCampaignTrees = (slug: string, state: TreeState | null, offset = 0): Promise<TreeList> => {
  const query = new URLSearchParams({ limit: String(TREE_PAGE) });
  if (offset > 0) query.set('offset', String(offset));
  if (state) query.set('state', state);
  return api.get(`/api/campaigns/${seg(slug)}/trees?${query}`);
};

/** Every tree query of the campaign starts with this key (invalidate it after a change). */
export const campaignTreesQueryKey = (slug: string) => ['campaigns', slug, 'trees'] as const;

export const getCampaignTreesQueryOptions = (slug: string, state: TreeState | null, offset = 0) =>
  queryOptions({
    queryKey: [...campaignTreesQueryKey(slug), state ?? 'all', offset],
    queryFn: () => getCampaignTrees(slug, state, offset),
    // The page being left stays on screen until the next one arrives, so the list never flashes empty.
    placeholderData: keepPreviousData,
  });

export const useCampaignTrees = (slug: string, state: TreeState | null, offset = 0) =>
  useQuery(getCampaignTreesQueryOptions(slug, state, offset));
