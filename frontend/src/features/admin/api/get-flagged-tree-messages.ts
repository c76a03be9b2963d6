import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { FlaggedTreeMessageList } from '@/lib/api-types';

import { campaignTreesQueryKey } from './get-campaign-trees';

export const getFlaggedTreeMessages = (slug: string): Promise<FlaggedTreeMessageList> =>
  api.get(`/api/campaigns/${seg(slug)}/tree-messages/flagged`);

export const getFlaggedTreeMessagesQueryOptions = (slug: string) =>
  queryOptions({ queryKey: [...campaignTreesQueryKey(slug), 'flagged'], queryFn: () => getFlaggedTreeMessages(slug) });

export const useFlaggedTreeMessages = (slug: string) => useQuery(getFlaggedTreeMessagesQueryOptions(slug));
