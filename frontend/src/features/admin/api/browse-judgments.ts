import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { JudgmentPage } from '@/lib/api-types';

export const JUDGMENT_PAGE = 50;

/** One keyset page of the campaign's judgments (every revision), optionally one annotator's (a pseudonym). */
export const browseJudgments = (slug: string, annotator: string | null, after: number | null): Promise<JudgmentPage> =>
  unwrap(
    client.GET('/api/campaigns/{slug}/judgments', {
      params: {
        path: { slug },
        query: { annotator: annotator ?? undefined, after: after ?? undefined, limit: JUDGMENT_PAGE },
      },
    }),
  );

export const browseJudgmentsQueryOptions = (slug: string, annotator: string | null, after: number | null) =>
  queryOptions({
    queryKey: ['campaigns', slug, 'browse-judgments', annotator ?? 'all', after],
    queryFn: () => browseJudgments(slug, annotator, after),
    placeholderData: keepPreviousData,
  });

export const useBrowseJudgments = (slug: string, annotator: string | null, after: number | null) =>
  useQuery(browseJudgmentsQueryOptions(slug, annotator, after));
