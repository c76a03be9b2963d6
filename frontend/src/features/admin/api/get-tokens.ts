import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ApiToken } from '@/lib/api-types';

/** The signed-in user's API tokens, revoked ones included, oldest first. */
export const getTokens = (): Promise<ApiToken[]> => unwrap(client.GET('/api/auth/tokens'));

export const tokensQueryKey = ['api-tokens'] as const;

export const getTokensQueryOptions = () => queryOptions({ queryKey: tokensQueryKey, queryFn: getTokens });

export const useTokens = () => useQuery(getTokensQueryOptions());
