import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { PasswordResetLink } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/**
 * A one-time link for the user to choose a new password, valid 24 hours; earlier unused links
 * stop working. 409 `no_password_login` for crowd accounts.
 */
export const issuePasswordReset = (userId: number): Promise<PasswordResetLink> =>
  unwrap(client.POST('/api/users/{user_id}/password-reset', { params: { path: { user_id: userId } } }));

export const useIssuePasswordReset = ({
  mutationConfig,
}: { mutationConfig?: MutationConfig<typeof issuePasswordReset> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: issuePasswordReset });
