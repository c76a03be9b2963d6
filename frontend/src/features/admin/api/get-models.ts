import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ModelEndpointList } from '@/lib/api-types';

export const getModels = (): Promise<ModelEndpointList> => unwrap(client.GET('/api/models'));

export const modelsQueryKey = ['models'] as const;

export const getModelsQueryOptions = () => queryOptions({ queryKey: modelsQueryKey, queryFn: getModels });

export const useModels = () => useQuery(getModelsQueryOptions());
