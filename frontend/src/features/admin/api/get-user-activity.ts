import { useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { UserActivity } from '@/lib/api-types';

/** A user's campaigns, judgment counts and times, groups and last sight (a researcher: their own campaigns only). */
export const getUserActivity = (userId: number): Promise<UserActivity> =>
  unwrap(client.GET('/api/users/{user_id}/activity', { params: { path: { user_id: userId } } }));

export const useUserActivity = (userId: number) =>
  useQuery({ queryKey: ['users', userId, 'activity'], queryFn: () => getUserActivity(userId) });
