import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { BrowsePage, ItemStatus } from '@/lib/api-types';

/** The data browser's item filters, as the route's query takes them; absent means any. */
export type ItemFilters = {
  status?: ItemStatus;
  round?: number;
  language?: string;
  gold?: boolean;
  has_disagreement?: boolean;
  /** 0..1, the item's disagreement score (0: all agree); the same concept as `has_disagreement`. */
  min_disagreement?: number;
  judgments_min?: number;
  judgments_max?: number;
  model?: string;
  search?: string;
  /** Absent: by id. By disagreement score, highest or lowest first (then id). */
  sort?: ItemSort;
};

export type ItemSort = 'disagreement_desc' | 'disagreement_asc';

export const ITEM_PAGE = 50;

/** One keyset page of the campaign's items: those after item `after` (null: the first page). */
export const browseItems = (slug: string, filters: ItemFilters, after: number | null): Promise<BrowsePage> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/items/browse', {
      params: { path: { slug }, query: { ...filters, after: after ?? undefined, limit: ITEM_PAGE } },
    }),
  );

export const browseItemsQueryOptions = (slug: string, filters: ItemFilters, after: number | null) =>
  queryOptions({
    queryKey: ['campaigns', slug, 'browse-items', filters, after],
    queryFn: () => browseItems(slug, filters, after),
    // The page being left stays on screen until the next one arrives.
    placeholderData: keepPreviousData,
  });

export const useBrowseItems = (slug: string, filters: ItemFilters, after: number | null) =>
  useQuery(browseItemsQueryOptions(slug, filters, after));
