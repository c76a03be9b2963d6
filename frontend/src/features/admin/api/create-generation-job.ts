import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CreateGenerationJobBody, GenerationJob, GenerationJobList } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { campaignGenerationJobsQueryKey } from './get-campaign-generation-jobs';

export type CreateGenerationJobInput = { slug: string; body: CreateGenerationJobBody };

export const createGenerationJob = ({ slug, body }: CreateGenerationJobInput): Promise<GenerationJob> =>
  unwrap(
    client.POST('/api/campaigns/{slug}/generation-jobs', { params: { path: { slug } }, body: serverDefaults(body) }),
  );

export const useCreateGenerationJob = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof createGenerationJob> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createGenerationJob,
    onSuccess: (job, variables, ...args) => {
      queryClient.setQueryData<GenerationJobList>(campaignGenerationJobsQueryKey(variables.slug), (old) => ({
        jobs: [job, ...(old?.jobs ?? []).filter((existing) => existing.id !== job.id)],
      }));
      onSuccess?.(job, variables, ...args);
    },
  });
};
