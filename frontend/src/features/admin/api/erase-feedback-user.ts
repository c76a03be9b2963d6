import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ErasureResult } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { feedbackSourceQueryKey } from './get-feedback-source';
import { feedbackSourcesQueryKey } from './get-feedback-sources';

/** Deletes every conversation the product's user took part in, with its events and derived rows. */
export const eraseFeedbackUser = ({ slug, userId }: { slug: string; userId: string }): Promise<ErasureResult> =>
  unwrap(client.POST('/api/feedback-sources/{slug}/erasure', { params: { path: { slug } }, body: { user_id: userId } }));

export const useEraseFeedbackUser = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof eraseFeedbackUser> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: eraseFeedbackUser,
    onSuccess: (erased, variables, ...args) => {
      // The source's counts, its stats and the list all changed.
      void queryClient.invalidateQueries({ queryKey: feedbackSourceQueryKey(variables.slug) });
      void queryClient.invalidateQueries({ queryKey: feedbackSourcesQueryKey, exact: true });
      onSuccess?.(erased, variables, ...args);
    },
  });
};
