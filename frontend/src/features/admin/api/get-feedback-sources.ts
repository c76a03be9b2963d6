import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { FeedbackSourceList } from '@/lib/api-types';

/** The caller's feedback sources (an admin's: all), with what each holds now. */
export const getFeedbackSources = (): Promise<FeedbackSourceList> => unwrap(client.GET('/api/feedback-sources'));

export const feedbackSourcesQueryKey = ['feedback-sources'] as const;

export const getFeedbackSourcesQueryOptions = () =>
  queryOptions({ queryKey: feedbackSourcesQueryKey, queryFn: getFeedbackSources });

export const useFeedbackSources = () => useQuery(getFeedbackSourcesQueryOptions());
