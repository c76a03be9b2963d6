import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { TreeSkipBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type SkipTreeTaskInput = { slug: string; taskId: number; body: TreeSkipBody };

export const skipTreeTask = ({ slug, taskId, body }: SkipTreeTaskInput): Promise<void> =>
  api.post(`/api/annotate/${seg(slug)}/tree-tasks/${seg(taskId)}/skip`, body);

export const useSkipTreeTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof skipTreeTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: skipTreeTask });
