import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { GenerationJob } from '@/lib/api-types';

export const getGenerationJob = (id: number): Promise<GenerationJob> => unwrap(client.GET('/api/generation-jobs/{job_id}', { params: { path: { job_id: id } } }));

export const generationJobQueryKey = (id: number) => ['generation-jobs', id] as const;

export const isGenerationJobActive = (job: GenerationJob | undefined) =>
  job?.status === 'queued' || job?.status === 'running';

/** One generation job; polls every second while it is queued or running, then stops. */
export const useGenerationJob = (job: GenerationJob) =>
  useQuery({
    ...queryOptions({ queryKey: generationJobQueryKey(job.id), queryFn: () => getGenerationJob(job.id) }),
    initialData: job,
    staleTime: (query) => (isGenerationJobActive(query.state.data) ? 0 : Infinity),
    refetchInterval: (query) => (isGenerationJobActive(query.state.data) ? 1000 : false),
  });
