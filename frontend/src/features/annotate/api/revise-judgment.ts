import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ReviseBody, ReviseResponse } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type ReviseJudgmentInput = { slug: string; body: ReviseBody };

/**
 * Re-opens one of the annotator's past judgments (its latest revision) as a task with its answers,
 * while the campaign is active (409 `judgment_superseded` for an older revision, 409
 * `campaign_not_active` when paused or closed). Asking again re-opens the same task.
 */
export const reviseJudgment = ({ slug, body }: ReviseJudgmentInput): Promise<ReviseResponse> =>
  unwrap(client.POST('/api/annotate/{slug}/revise', { params: { path: { slug } }, body }));

export const useReviseJudgment = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof reviseJudgment> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: reviseJudgment });
