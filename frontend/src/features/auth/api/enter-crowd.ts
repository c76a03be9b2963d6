import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CrowdEnterBody, CrowdEnterResponse } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { getMe, startSession } from './get-me';

export type EnterCrowdInput = { slug: string; body: CrowdEnterBody };

export const enterCrowd = ({ slug, body }: EnterCrowdInput): Promise<CrowdEnterResponse> =>
  unwrap(client.POST('/api/crowd/{slug}/enter', { params: { path: { slug } }, body }));

/** Sign in through a crowd link, then load who that made us (the answer names only the campaign). */
export const useEnterCrowd = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof enterCrowd> } = {}) => {
  const queryClient = useQueryClient();
  return useMutation({
    ...mutationConfig,
    mutationKey: ['crowd-enter'],
    mutationFn: async (input: EnterCrowdInput) => {
      const entered = await enterCrowd(input);
      startSession(queryClient, await getMe());
      return entered;
    },
  });
};
