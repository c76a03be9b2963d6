import { api, seg } from '@/lib/api-client';
import type { GenerationJob } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { useGenerationJobMutation } from './cancel-generation-job';

/** Send the job's unfinished requests to the workers again (e.g. after a broker outage). */
export const resumeGenerationJob = (id: number): Promise<GenerationJob> =>
  api.post(`/api/generation-jobs/${seg(id)}/resume`);

export const useResumeGenerationJob = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof resumeGenerationJob> } = {}) =>
  useGenerationJobMutation(resumeGenerationJob, mutationConfig);
