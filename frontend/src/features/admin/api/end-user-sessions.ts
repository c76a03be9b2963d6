import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { SessionsEnded } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/** Signs the user out of every browser; their API tokens are not touched. */
export const endUserSessions = (userId: number): Promise<SessionsEnded> =>
  unwrap(client.POST('/api/users/{user_id}/sessions/end', { params: { path: { user_id: userId } } }));

export const useEndUserSessions = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof endUserSessions> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: endUserSessions });
