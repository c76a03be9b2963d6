import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { components } from '@/lib/api-schema';
import { client, unwrap } from '@/lib/api-client';

type Schemas = components['schemas'];
export type QualityLeaderboard = Schemas['LeaderboardOut'];
export type QualityBoard = Schemas['Board'];
export type ModelStanding = Schemas['ModelStanding'];
export type WinRateCell = Schemas['WinRateCell'];
export type GroupDisagreement = Schemas['DisagreementOut'];
export type PairDisagreement = Schemas['PairDisagreement'];
export type ItemDisagreement = Schemas['ItemDisagreement'];

/**
 * How often the Quality tab re-reads (the numbers move while annotators judge). TanStack Query
 * pauses interval refetches while the browser tab is hidden (refetchIntervalInBackground is off).
 */
export const QUALITY_POLL_MS = 15_000;

export type QualityFilters = { round: number | null; groupBy: string | null; includeSimulated: boolean };

const query = (f: QualityFilters) => ({
  ...(f.round === null ? {} : { round: f.round }),
  ...(f.groupBy ? { group_by: f.groupBy } : {}),
  ...(f.includeSimulated ? { include_simulated: true } : {}),
});

export const getLeaderboard = (slug: string, filters: QualityFilters): Promise<QualityLeaderboard> =>
  unwrap(client.GET('/api/campaigns/{slug}/quality/leaderboard', { params: { path: { slug }, query: query(filters) } }));

export const useLeaderboard = (slug: string, filters: QualityFilters) =>
  useQuery({
    queryKey: ['campaigns', slug, 'quality', 'leaderboard', filters],
    queryFn: () => getLeaderboard(slug, filters),
    refetchInterval: QUALITY_POLL_MS,
    placeholderData: keepPreviousData,
  });

export const getGroupDisagreement = (slug: string, filters: QualityFilters & { groupBy: string }): Promise<GroupDisagreement> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/quality/group-disagreement', {
      params: { path: { slug }, query: { ...query(filters), group_by: filters.groupBy, limit: 20 } },
    }),
  );

/** Only asked when a group field is chosen: without groups there is nothing to disagree. */
export const useGroupDisagreement = (slug: string, filters: QualityFilters) =>
  useQuery({
    queryKey: ['campaigns', slug, 'quality', 'disagreement', filters],
    queryFn: () => getGroupDisagreement(slug, { ...filters, groupBy: filters.groupBy ?? '' }),
    enabled: Boolean(filters.groupBy),
    refetchInterval: QUALITY_POLL_MS,
  });

export type Agreement = Schemas['AgreementOut'];
export type AgreementMeasure = Schemas['MeasureOut'];
export type AgreementPoint = Schemas['TimePointOut'];
export type AgreementBucket = Agreement['bucket'];

export const getAgreement = (
  slug: string,
  filters: Omit<QualityFilters, 'round'> & { bucket: AgreementBucket },
): Promise<Agreement> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/quality/agreement', {
      params: {
        path: { slug },
        query: {
          ...(filters.groupBy ? { group_by: filters.groupBy } : {}),
          ...(filters.includeSimulated ? { include_simulated: true } : {}),
          ...(filters.bucket === 'day' ? {} : { bucket: filters.bucket }),
        },
      },
    }),
  );

/** Agreement reads every judgment of all rounds (alpha per round would be too thin to read). */
export const useAgreement = (slug: string, filters: QualityFilters, bucket: AgreementBucket) =>
  useQuery({
    queryKey: ['campaigns', slug, 'quality', 'agreement', filters.groupBy, filters.includeSimulated, bucket],
    queryFn: () => getAgreement(slug, { groupBy: filters.groupBy, includeSimulated: filters.includeSimulated, bucket }),
    refetchInterval: QUALITY_POLL_MS,
    placeholderData: keepPreviousData,
  });
