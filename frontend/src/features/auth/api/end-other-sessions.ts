import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { SessionsEnded } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/** Sign out everywhere else: every session of the user but this one ends. */
export const endOtherSessions = (): Promise<SessionsEnded> => unwrap(client.POST('/api/auth/sessions/end-others'));

export const useEndOtherSessions = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof endOtherSessions> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: endOtherSessions });
