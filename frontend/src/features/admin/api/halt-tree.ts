import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { HaltTreeBody, TreeDetail } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { campaignTreesQueryKey } from './get-campaign-trees';
import { treeQueryKey } from './get-tree';

export type HaltTreeInput = { slug: string; id: number; body: HaltTreeBody };

/** Stops a live tree (no more tasks on it); answers with the tree. 409 when it already ended. */
export const haltTree = ({ id, body }: HaltTreeInput): Promise<TreeDetail> => unwrap(client.POST('/api/trees/{tree_id}/halt', { params: { path: { tree_id: id } }, body }));

export const useHaltTree = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof haltTree> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: haltTree,
    onSuccess: (tree, variables, ...args) => {
      queryClient.setQueryData(treeQueryKey(tree.id), tree);
      void queryClient.invalidateQueries({ queryKey: campaignTreesQueryKey(variables.slug) });
      onSuccess?.(tree, variables, ...args);
    },
  });
};
