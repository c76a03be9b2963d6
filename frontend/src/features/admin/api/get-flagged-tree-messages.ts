import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { FlaggedTreeMessageList } from '@/lib/api-types';

import { campaignTreesQueryKey } from './get-campaign-trees';

export const getFlaggedTreeMessages = (slug: string): Promise<FlaggedTreeMessageList> =>
  unwrap(client.GET('/api/campaigns/{slug}/tree-messages/flagged', { params: { path: { slug } } }));

export const getFlaggedTreeMessagesQueryOptions = (slug: string) =>
  queryOptions({ queryKey: [...campaignTreesQueryKey(slug), 'flagged'], queryFn: () => getFlaggedTreeMessages(slug) });

export const useFlaggedTreeMessages = (slug: string) => useQuery(getFlaggedTreeMessagesQueryOptions(slug));
