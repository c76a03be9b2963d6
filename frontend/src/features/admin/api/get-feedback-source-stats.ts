import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { FeedbackSourceStats } from '@/lib/api-types';

import { feedbackSourceQueryKey } from './get-feedback-source';

/** Volume per UTC day over the last `days` (days without events are left out), events by type,
 * derived rows by signal and the conversations still waiting for derivation. */
export const getFeedbackSourceStats = (slug: string, days: number): Promise<FeedbackSourceStats> =>
  unwrap(client.GET('/api/feedback-sources/{slug}/stats', { params: { path: { slug }, query: { days } } }));

export const feedbackSourceStatsQueryKey = (slug: string, days: number) => [...feedbackSourceQueryKey(slug), 'stats', days] as const;

export const useFeedbackSourceStats = (slug: string, days: number) =>
  useQuery(queryOptions({ queryKey: feedbackSourceStatsQueryKey(slug, days), queryFn: () => getFeedbackSourceStats(slug, days) }));
