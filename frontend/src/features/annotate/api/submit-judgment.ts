import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { SubmitJudgmentBody, SubmitJudgmentResponse } from '@/lib/api-types';
import { retryWhileUnavailable, type MutationConfig } from '@/lib/react-query';

export type SubmitJudgmentInput = { slug: string; body: SubmitJudgmentBody };

export const submitJudgment = ({ slug, body }: SubmitJudgmentInput): Promise<SubmitJudgmentResponse> =>
  api.post(`/api/annotate/${seg(slug)}/submit`, body);

export const useSubmitJudgment = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof submitJudgment> } = {}) =>
  // Idempotent by client_id: a retry sends the same body, so the server keeps one judgment.
  useMutation({ ...retryWhileUnavailable, ...mutationConfig, mutationFn: submitJudgment });
