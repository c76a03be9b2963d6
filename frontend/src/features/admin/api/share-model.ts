import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ModelEndpoint, ModelEndpointList, ModelSharingBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { modelsQueryKey } from './get-models';

/** Replaces who the model is shared with (its owner or an admin; only an admin changes `all`). */
export const shareModel = ({ name, sharing }: { name: string; sharing: ModelSharingBody }): Promise<ModelEndpoint> =>
  unwrap(client.PUT('/api/models/{name}/sharing', { params: { path: { name } }, body: sharing }));

export const useShareModel = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof shareModel> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: shareModel,
    onSuccess: (model, ...args) => {
      queryClient.setQueryData<ModelEndpointList>(modelsQueryKey, (old) =>
        old ? { models: old.models.map((m) => (m.id === model.id ? model : m)) } : old,
      );
      void queryClient.invalidateQueries({ queryKey: modelsQueryKey, exact: true });
      onSuccess?.(model, ...args);
    },
  });
};
