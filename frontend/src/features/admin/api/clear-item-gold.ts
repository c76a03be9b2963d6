import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';

import { type ItemGoldChanged, onGoldChanged } from './save-item-gold';

/** Makes the item an ordinary one again; its judgments' gold scores are cleared. */
export const clearItemGold = ({ slug, itemId }: { slug: string; itemId: number }): Promise<ItemGoldChanged> =>
  unwrap(client.DELETE('/api/campaigns/{slug}/items/{item_id}/gold', { params: { path: { slug, item_id: itemId } } }));

export const useClearItemGold = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: clearItemGold,
    onSuccess: (changed, { slug, itemId }) => onGoldChanged(queryClient, slug, itemId, changed),
  });
};
