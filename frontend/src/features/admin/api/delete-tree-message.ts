import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { DeleteTreeMessageResult } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { campaignTreesQueryKey } from './get-campaign-trees';
import { treeQueryKey } from './get-tree';

export type DeleteTreeMessageInput = { slug: string; treeId: number; messageId: number };

/** Soft-deletes the message and every reply below it. */
export const deleteTreeMessage = ({ messageId }: DeleteTreeMessageInput): Promise<DeleteTreeMessageResult> =>
  unwrap(client.DELETE('/api/tree-messages/{message_id}', { params: { path: { message_id: messageId } } }));

export const useDeleteTreeMessage = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof deleteTreeMessage> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: deleteTreeMessage,
    onSuccess: (result, variables, ...args) => {
      void queryClient.invalidateQueries({ queryKey: treeQueryKey(variables.treeId) });
      void queryClient.invalidateQueries({ queryKey: campaignTreesQueryKey(variables.slug) });
      onSuccess?.(result, variables, ...args);
    },
  });
};
