import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

export type SpecTemplate = components['schemas']['SpecTemplate'];
export type SampleItem = components['schemas']['SampleItem'];

export const getSpecTemplates = (): Promise<SpecTemplate[]> => unwrap(client.GET('/api/campaign-specs/templates'));

export const getSpecTemplatesQueryOptions = () =>
  queryOptions({ queryKey: ['campaign-specs', 'templates'], queryFn: getSpecTemplates, staleTime: Infinity });

export const useSpecTemplates = () => useQuery(getSpecTemplatesQueryOptions());
