import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ParticipationState, ProfileBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { participationQueryKey } from './get-participation';

export type AnswerProfileInput = { slug: string; body: ProfileBody };

export const answerProfile = ({ slug, body }: AnswerProfileInput): Promise<ParticipationState> =>
  unwrap(client.POST('/api/annotate/{slug}/participation/profile', { params: { path: { slug } }, body }));

export const useAnswerProfile = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof answerProfile> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: answerProfile,
    onSuccess: (state, input, ...args) => {
      queryClient.setQueryData(participationQueryKey(input.slug), state);
      onSuccess?.(state, input, ...args);
    },
  });
};
