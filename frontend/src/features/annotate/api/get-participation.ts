import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ParticipationState } from '@/lib/api-types';

export const getParticipation = (slug: string): Promise<ParticipationState> =>
  unwrap(client.GET('/api/annotate/{slug}/participation', { params: { path: { slug } } }));

export const participationQueryKey = (slug: string) => ['annotate', slug, 'participation'] as const;

export const getParticipationQueryOptions = (slug: string) =>
  queryOptions({ queryKey: participationQueryKey(slug), queryFn: () => getParticipation(slug) });

/** What the campaign asks before the first task (consent, survey) and what was given. */
export const useParticipation = (slug: string) => useQuery(getParticipationQueryOptions(slug));
