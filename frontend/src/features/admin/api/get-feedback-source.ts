import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { FeedbackSource } from '@/lib/api-types';

import { feedbackSourcesQueryKey } from './get-feedback-sources';

export const getFeedbackSource = (slug: string): Promise<FeedbackSource> =>
  unwrap(client.GET('/api/feedback-sources/{slug}', { params: { path: { slug } } }));

export const feedbackSourceQueryKey = (slug: string) => [...feedbackSourcesQueryKey, slug] as const;

export const getFeedbackSourceQueryOptions = (slug: string) =>
  queryOptions({ queryKey: feedbackSourceQueryKey(slug), queryFn: () => getFeedbackSource(slug) });

export const useFeedbackSource = (slug: string) => useQuery(getFeedbackSourceQueryOptions(slug));
