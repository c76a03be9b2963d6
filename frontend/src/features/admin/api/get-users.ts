import { keepPreviousData, queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { Account, AccountPage } from '@/lib/api-types';

export type UsersPage = { limit: number; offset: number };

/** One page of accounts, oldest first (admins only). */
export const getUsers = ({ limit, offset }: UsersPage): Promise<AccountPage> =>
  unwrap(client.GET('/api/users', { params: { query: { limit, offset } } }));

export const usersQueryKey = ['users'] as const;

export const getUsersQueryOptions = (page: UsersPage) =>
  queryOptions({
    queryKey: [...usersQueryKey, page],
    queryFn: () => getUsers(page),
    // The previous page stays on screen while the next one loads.
    placeholderData: keepPreviousData,
  });

export const useUsers = (page: UsersPage) => useQuery(getUsersQueryOptions(page));

/** Put a changed account into every cached page that lists it. */
export function replaceCachedAccount(queryClient: QueryClient, account: Account) {
  queryClient.setQueriesData<AccountPage>({ queryKey: usersQueryKey }, (old) =>
    old ? { ...old, users: old.users.map((u) => (u.id === account.id ? account : u)) } : old,
  );
}
