import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { PasswordChangeBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/** Change one's own password; the server ends every other session of the user. */
export const changePassword = (body: PasswordChangeBody): Promise<void> =>
  unwrap(client.POST('/api/auth/password', { body }));

export const useChangePassword = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof changePassword> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: changePassword });
