import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

export type ItemGoldState = components['schemas']['ItemGoldState'];
export type ExpectedAnswer = components['schemas']['ExpectedAnswer'];

export const getItemGold = (slug: string, itemId: number): Promise<ItemGoldState> =>
  unwrap(client.GET('/api/campaigns/{slug}/items/{item_id}/gold', { params: { path: { slug, item_id: itemId } } }));

export const itemGoldQueryKey = (slug: string, itemId: number) => ['campaigns', slug, 'item-gold', itemId];

export const getItemGoldQueryOptions = (slug: string, itemId: number) =>
  queryOptions({ queryKey: itemGoldQueryKey(slug, itemId), queryFn: () => getItemGold(slug, itemId) });

export const useItemGold = (slug: string, itemId: number) => useQuery(getItemGoldQueryOptions(slug, itemId));
