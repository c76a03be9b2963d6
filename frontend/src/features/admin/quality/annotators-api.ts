import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/lib/api-schema';
import { client, unwrap } from '@/lib/api-client';

import { QUALITY_POLL_MS } from './api';

type Schemas = components['schemas'];
export type Annotators = Schemas['AnnotatorsOut'];
export type AnnotatorReliability = Schemas['AnnotatorOut'];
export type Evidence = Schemas['EvidenceOut'];
export type Standing = Schemas['StandingIn']['standing'];

export const annotatorsQueryKey = (slug: string) => ['campaigns', slug, 'quality', 'annotators'];

/** Each annotator's reliability; reading it applies the campaign's quality rules. */
export const getAnnotators = (slug: string): Promise<Annotators> =>
  unwrap(client.GET('/api/campaigns/{slug}/quality/annotators', { params: { path: { slug } } }));

export const useAnnotators = (slug: string) =>
  useQuery({
    queryKey: annotatorsQueryKey(slug),
    queryFn: () => getAnnotators(slug),
    refetchInterval: QUALITY_POLL_MS,
    placeholderData: keepPreviousData,
  });

export type StandingChange = { userId: number; standing: Standing; reason: string };

/** A researcher's Flag / Exclude / Restore: it stands until a researcher changes it. */
export const setStanding = (slug: string, change: StandingChange): Promise<AnnotatorReliability> =>
  unwrap(
    client.POST('/api/campaigns/{slug}/quality/annotators/{user_id}/standing', {
      params: { path: { slug, user_id: change.userId } },
      body: { standing: change.standing, reason: change.reason },
    }),
  );

export const useSetStanding = (slug: string) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: StandingChange) => setStanding(slug, change),
    onSuccess: (row) => {
      queryClient.setQueryData<Annotators>(annotatorsQueryKey(slug), (old) =>
        old ? { ...old, annotators: old.annotators.map((a) => (a.user_id === row.user_id ? row : a)) } : old,
      );
      void queryClient.invalidateQueries({ queryKey: annotatorsQueryKey(slug) });
    },
  });
};
