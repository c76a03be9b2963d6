import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ParticipationState } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { participationQueryKey } from './get-participation';

export const giveConsent = ({ slug }: { slug: string }): Promise<ParticipationState> =>
  unwrap(
    client.POST('/api/annotate/{slug}/participation/consent', { params: { path: { slug } }, body: { agree: true } }),
  );

export const useGiveConsent = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof giveConsent> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: giveConsent,
    onSuccess: (state, input, ...args) => {
      queryClient.setQueryData(participationQueryKey(input.slug), state);
      onSuccess?.(state, input, ...args);
    },
  });
};
