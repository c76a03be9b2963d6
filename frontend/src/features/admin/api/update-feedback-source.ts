import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { FeedbackSource, UpdateFeedbackSourceBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { feedbackSourceQueryKey } from './get-feedback-source';
import { feedbackSourcesQueryKey } from './get-feedback-sources';

type UpdateFeedbackSource = { slug: string; body: UpdateFeedbackSourceBody };

/** A new redaction policy applies to what arrives from now on; a shorter retention at the next upkeep. */
export const updateFeedbackSource = ({ slug, body }: UpdateFeedbackSource): Promise<FeedbackSource> =>
  unwrap(client.PATCH('/api/feedback-sources/{slug}', { params: { path: { slug } }, body }));

export const useUpdateFeedbackSource = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof updateFeedbackSource> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: updateFeedbackSource,
    onSuccess: (updated, ...args) => {
      queryClient.setQueryData(feedbackSourceQueryKey(updated.slug), updated);
      void queryClient.invalidateQueries({ queryKey: feedbackSourcesQueryKey, exact: true });
      onSuccess?.(updated, ...args);
    },
  });
};
