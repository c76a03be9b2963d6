import { useMutation } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { TreeSkipBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type SkipTreeTaskInput = { slug: string; taskId: number; body: TreeSkipBody };

export const skipTreeTask = ({ slug, taskId, body }: SkipTreeTaskInput): Promise<void> =>
  unwrap(
    client.POST('/api/annotate/{slug}/tree-tasks/{task_id}/skip', {
      params: { path: { slug, task_id: taskId } },
      body: serverDefaults(body),
    }),
  );

export const useSkipTreeTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof skipTreeTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: skipTreeTask });
