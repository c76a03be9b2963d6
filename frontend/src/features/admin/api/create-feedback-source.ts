import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CreateFeedbackSourceBody, FeedbackSource } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { feedbackSourcesQueryKey } from './get-feedback-sources';

/** 409 `source_exists` for a taken slug; 422 `invalid_redaction_policy` says which part is wrong. */
export const createFeedbackSource = (body: CreateFeedbackSourceBody): Promise<FeedbackSource> =>
  unwrap(client.POST('/api/feedback-sources', { body: serverDefaults(body) }));

export const useCreateFeedbackSource = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof createFeedbackSource> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createFeedbackSource,
    onSuccess: (created, ...args) => {
      void queryClient.invalidateQueries({ queryKey: feedbackSourcesQueryKey });
      onSuccess?.(created, ...args);
    },
  });
};
