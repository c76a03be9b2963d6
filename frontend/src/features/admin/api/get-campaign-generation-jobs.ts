import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { GenerationJobList } from '@/lib/api-types';

export const getCampaignGenerationJobs = (slug: string): Promise<GenerationJobList> =>
  unwrap(client.GET('/api/campaigns/{slug}/generation-jobs', { params: { path: { slug } } }));

export const campaignGenerationJobsQueryKey = (slug: string) => ['campaigns', slug, 'generation-jobs'] as const;

export const getCampaignGenerationJobsQueryOptions = (slug: string) =>
  queryOptions({ queryKey: campaignGenerationJobsQueryKey(slug), queryFn: () => getCampaignGenerationJobs(slug) });

export const useCampaignGenerationJobs = (slug: string) => useQuery(getCampaignGenerationJobsQueryOptions(slug));
