import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

import { getItemDetailQueryOptions } from './get-item-detail';
import { itemGoldQueryKey } from './get-item-gold';

export type ItemGoldChanged = components['schemas']['ItemGoldChanged'];
export type SaveItemGoldInput = {
  slug: string;
  itemId: number;
  expected: Record<string, components['schemas']['ExpectedAnswer']>;
  feedback: string | null;
};

/** Makes the item gold with these expected answers; the server re-scores its judgments at once. */
export const saveItemGold = ({ slug, itemId, expected, feedback }: SaveItemGoldInput): Promise<ItemGoldChanged> =>
  unwrap(
    client.PUT('/api/campaigns/{slug}/items/{item_id}/gold', {
      params: { path: { slug, item_id: itemId } },
      body: { expected, feedback },
    }),
  );

export const useSaveItemGold = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: saveItemGold,
    onSuccess: (changed, { slug, itemId }) => onGoldChanged(queryClient, slug, itemId, changed),
  });
};

/** The gold form reads the answer back; the item's state (its Gold row, the browser's filter) changes too. */
export function onGoldChanged(queryClient: ReturnType<typeof useQueryClient>, slug: string, itemId: number, changed: ItemGoldChanged) {
  queryClient.setQueryData(itemGoldQueryKey(slug, itemId), changed);
  void queryClient.invalidateQueries({ queryKey: getItemDetailQueryOptions(slug, itemId).queryKey });
  void queryClient.invalidateQueries({ queryKey: ['campaigns', slug, 'browse-items'] });
}
