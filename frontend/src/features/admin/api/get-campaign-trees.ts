import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { TreeList, TreeState } from '@/lib/api-types';

export const TREE_PAGE = 50;

/** One page of the campaign's trees, newest first; `offset` counts trees skipped (0 is left out of the URL, the server's default). */
export const getCampaignTrees = (slug: string, state: TreeState | null, offset = 0): Promise<TreeList> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/trees', {
      // Undefined values are left out of the URL.
      params: {
        path: { slug },
        query: { limit: TREE_PAGE, offset: offset > 0 ? offset : undefined, state: state ?? undefined },
      },
    }),
  );

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
