import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { SubmitJudgmentBody, SubmitJudgmentResponse } from '@/lib/api-types';
import { retryWhileUnavailable, type MutationConfig } from '@/lib/react-query';

export type SubmitJudgmentInput = { slug: string; body: SubmitJudgmentBody };

export const submitJudgment = ({ slug, body }: SubmitJudgmentInput): Promise<SubmitJudgmentResponse> =>
  unwrap(client.POST('/api/annotate/{slug}/submit', { params: { path: { slug } }, body }));

export const useSubmitJudgment = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof submitJudgment> } = {}) =>
  // Idempotent by client_id: a retry sends the same body, so the server keeps one judgment.
  useMutation({ ...retryWhileUnavailable, ...mutationConfig, mutationFn: submitJudgment });
