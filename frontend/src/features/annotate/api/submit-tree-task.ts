import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { TreeSubmitBody, TreeSubmitResponse } from '@/lib/api-types';
import { retryWhileUnavailable, type MutationConfig } from '@/lib/react-query';

export type SubmitTreeTaskInput = { slug: string; taskId: number; body: TreeSubmitBody };

/** Idempotent by `client_id`; 409 `tree_task_closed` means the task is gone (ask for the next). */
export const submitTreeTask = ({ slug, taskId, body }: SubmitTreeTaskInput): Promise<TreeSubmitResponse> =>
  unwrap(
    client.POST('/api/annotate/{slug}/tree-tasks/{task_id}/submit', { params: { path: { slug, task_id: taskId } }, body }),
  );

export const useSubmitTreeTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof submitTreeTask> } = {}) =>
  // Idempotent by client_id: a retry sends the same body, so the server keeps one judgment.
  useMutation({ ...retryWhileUnavailable, ...mutationConfig, mutationFn: submitTreeTask });
