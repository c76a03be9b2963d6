import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, isApiError, unwrap } from '@/lib/api-client';
import type { GenerationJob } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { generationJobQueryKey } from './get-generation-job';

export const cancelGenerationJob = (id: number): Promise<GenerationJob> =>
  unwrap(client.POST('/api/generation-jobs/{job_id}/cancel', { params: { path: { job_id: id } } }));

/** A POST on one generation job that answers with the job: the cached job becomes the answer. */
export const useGenerationJobMutation = (
  mutationFn: (id: number) => Promise<GenerationJob>,
  mutationConfig?: MutationConfig<(id: number) => Promise<GenerationJob>>,
) => {
  const queryClient = useQueryClient();
  const { onSuccess, onError, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn,
    onSuccess: async (job, id, ...args) => {
      // A poll still in flight would otherwise overwrite the new status with the old one.
      await queryClient.cancelQueries({ queryKey: generationJobQueryKey(id) });
      queryClient.setQueryData(generationJobQueryKey(id), job);
      onSuccess?.(job, id, ...args);
    },
    onError: (error, id, ...args) => {
      // 409 generation_job_finished: it ended meanwhile; fetch its final state.
      if (isApiError(error, 'generation_job_finished')) {
        void queryClient.invalidateQueries({ queryKey: generationJobQueryKey(id) });
      }
      onError?.(error, id, ...args);
    },
  });
};

export const useCancelGenerationJob = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof cancelGenerationJob> } = {}) =>
  useGenerationJobMutation(cancelGenerationJob, mutationConfig);
