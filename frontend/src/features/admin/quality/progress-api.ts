import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { components } from '@/lib/api-schema';
import { client, unwrap } from '@/lib/api-client';

import { QUALITY_POLL_MS } from './api';

export type QualityProgress = components['schemas']['ProgressOut'];
export type ProgressPoint = components['schemas']['ProgressPointOut'];

export const getProgress = (slug: string): Promise<QualityProgress> =>
  unwrap(client.GET('/api/campaigns/{slug}/quality/progress', { params: { path: { slug } } }));

/** Progress over time and throughput; re-read while the tab is visible, like the rest. */
export const useProgress = (slug: string) =>
  useQuery({
    queryKey: ['campaigns', slug, 'quality', 'progress'],
    queryFn: () => getProgress(slug),
    refetchInterval: QUALITY_POLL_MS,
    placeholderData: keepPreviousData,
  });
