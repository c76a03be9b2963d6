import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { SpecDiff, SpecVersionList } from '@/lib/api-types';

export const specVersionsQueryKey = (slug: string) => ['campaigns', slug, 'versions'] as const;

export const getSpecVersions = (slug: string): Promise<SpecVersionList> =>
  unwrap(client.GET('/api/campaigns/{slug}/versions', { params: { path: { slug } } }));

export const getSpecVersionsQueryOptions = (slug: string) =>
  queryOptions({ queryKey: specVersionsQueryKey(slug), queryFn: () => getSpecVersions(slug) });

export const useSpecVersions = (slug: string) => useQuery(getSpecVersionsQueryOptions(slug));

export const getSpecDiff = (slug: string, from: number, to: number): Promise<SpecDiff> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/versions/diff', {
      params: { path: { slug }, query: { from_version: from, to_version: to } },
    }),
  );

/** The changes from version `from` to `to`; a version's spec never changes, so neither does this. */
export const useSpecDiff = (slug: string, from: number, to: number) =>
  useQuery({
    queryKey: [...specVersionsQueryKey(slug), 'diff', from, to],
    queryFn: () => getSpecDiff(slug, from, to),
    enabled: from !== to,
    staleTime: Infinity,
  });
