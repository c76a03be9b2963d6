import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { OwnJudgment } from '@/lib/api-types';

export const MY_JUDGMENTS_PAGE = 100;

/** The signed-in annotator's own judgments in a campaign, oldest first, with each item's prompt excerpt. */
export const getMyJudgments = (slug: string, offset: number): Promise<OwnJudgment[]> =>
  unwrap(
    client.GET('/api/annotate/{slug}/judgments', {
      params: { path: { slug }, query: { limit: MY_JUDGMENTS_PAGE, offset } },
    }),
  );

export const useMyJudgments = (slug: string, offset: number) =>
  useQuery({
    queryKey: ['annotate', slug, 'judgments', offset],
    queryFn: () => getMyJudgments(slug, offset),
    placeholderData: keepPreviousData,
  });
