import { useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { GoldReport } from '@/lib/api-types';

export const getGoldReport = (slug: string): Promise<GoldReport> =>
  unwrap(client.GET('/api/campaigns/{slug}/quality/gold', { params: { path: { slug } } }));

/** Gold accuracy per annotator and item, and how many gold items with expected answers there are. */
export const useGoldReport = (slug: string, { enabled = true }: { enabled?: boolean } = {}) =>
  useQuery({ queryKey: ['campaigns', slug, 'quality', 'gold'], queryFn: () => getGoldReport(slug), enabled });
