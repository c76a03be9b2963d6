import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { MutationConfig } from '@/lib/react-query';

import { modelsQueryKey } from './get-models';

/**
 * Deletes a model endpoint nothing records (its owner or an admin). One that candidates, tree replies
 * or generation jobs name is kept for their provenance: 409 `model_in_use`, the counts in `details`.
 */
export const deleteModel = (name: string): Promise<void> =>
  unwrap(client.DELETE('/api/models/{name}', { params: { path: { name } } }));

export const useDeleteModel = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof deleteModel> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: deleteModel,
    onSuccess: (...args) => {
      void queryClient.invalidateQueries({ queryKey: modelsQueryKey, exact: true });
      onSuccess?.(...args);
    },
  });
};
