import { client, unwrap } from '@/lib/api-client';
import type { GenerationJob } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { useGenerationJobMutation } from './cancel-generation-job';

/** Send the job's unfinished requests to the workers again (e.g. after a broker outage). */
export const resumeGenerationJob = (id: number): Promise<GenerationJob> =>
  unwrap(client.POST('/api/generation-jobs/{job_id}/resume', { params: { path: { job_id: id } } }));

export const useResumeGenerationJob = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof resumeGenerationJob> } = {}) =>
  useGenerationJobMutation(resumeGenerationJob, mutationConfig);
