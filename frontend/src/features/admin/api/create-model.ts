import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CreateModelEndpointBody, ModelEndpoint, ModelEndpointList } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { modelsQueryKey } from './get-models';

export const createModel = (body: CreateModelEndpointBody): Promise<ModelEndpoint> =>
  unwrap(client.POST('/api/models', { body: serverDefaults(body) }));

export const useCreateModel = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createModel> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createModel,
    onSuccess: (model, ...args) => {
      queryClient.setQueryData<ModelEndpointList>(modelsQueryKey, (old) =>
        old ? { models: [...old.models.filter((m) => m.id !== model.id), model] } : old,
      );
      void queryClient.invalidateQueries({ queryKey: modelsQueryKey, exact: true });
      onSuccess?.(model, ...args);
    },
  });
};
