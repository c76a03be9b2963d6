import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { SessionsEnded } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/** Signs the user out of every browser; their API tokens are not touched. */
export const endUserSessions = (userId: number): Promise<SessionsEnded> =>
  api.post(`/api/users/${seg(userId)}/sessions/end`);

export const useEndUserSessions = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof endUserSessions> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: endUserSessions });
