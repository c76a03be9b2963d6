import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ModelSecretList } from '@/lib/api-types';

/** The key names an admin configured and the hosts each may go to (never the keys). */
export const getModelSecrets = (): Promise<ModelSecretList> => unwrap(client.GET('/api/models/secrets'));

export const modelSecretsQueryKey = ['models', 'secrets'] as const;

export const getModelSecretsQueryOptions = () =>
  queryOptions({ queryKey: modelSecretsQueryKey, queryFn: getModelSecrets, staleTime: 5 * 60_000 });

export const useModelSecrets = () => useQuery(getModelSecretsQueryOptions());
