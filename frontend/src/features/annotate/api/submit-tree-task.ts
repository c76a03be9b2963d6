import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { TreeSubmitBody, TreeSubmitResponse } from '@/lib/api-types';
import { retryWhileUnavailable, type MutationConfig } from '@/lib/react-query';

export type SubmitTreeTaskInput = { slug: string; taskId: number; body: TreeSubmitBody };

/** Idempotent by `client_id`; 409 `tree_task_closed` means the task is gone (ask for the next). */
export const submitTreeTask = ({ slug, taskId, body }: SubmitTreeTaskInput): Promise<TreeSubmitResponse> =>
  api.post(`/api/annotate/${seg(slug)}/tree-tasks/${seg(taskId)}/submit`, body);

export const useSubmitTreeTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof submitTreeTask> } = {}) =>
  // Idempotent by client_id: a retry sends the same body, so the server keeps one judgment.
  useMutation({ ...retryWhileUnavailable, ...mutationConfig, mutationFn: submitTreeTask });
