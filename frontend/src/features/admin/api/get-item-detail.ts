import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ItemDetail } from '@/lib/api-types';

export const getItemDetail = (slug: string, itemId: number): Promise<ItemDetail> =>
  unwrap(client.GET('/api/campaigns/{slug}/items/{item_id}/detail', { params: { path: { slug, item_id: itemId } } }));

export const getItemDetailQueryOptions = (slug: string, itemId: number) =>
  queryOptions({ queryKey: ['campaigns', slug, 'item-detail', itemId], queryFn: () => getItemDetail(slug, itemId) });

export const useItemDetail = (slug: string, itemId: number) => useQuery(getItemDetailQueryOptions(slug, itemId));
