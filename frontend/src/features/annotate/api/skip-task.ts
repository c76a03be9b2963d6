import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { SkipTaskBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type SkipTaskInput = { slug: string; body: SkipTaskBody };

export const skipTask = ({ slug, body }: SkipTaskInput): Promise<void> => api.post(`/api/annotate/${seg(slug)}/skip`, body);

export const useSkipTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof skipTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: skipTask });
