import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { IngestKey } from '@/lib/api-types';

import { feedbackSourceQueryKey } from './get-feedback-source';

/** A source's ingestion keys, revoked ones included. */
export const getIngestKeys = (slug: string): Promise<IngestKey[]> =>
  unwrap(client.GET('/api/feedback-sources/{slug}/keys', { params: { path: { slug } } })).then((list) => list.keys);

export const ingestKeysQueryKey = (slug: string) => [...feedbackSourceQueryKey(slug), 'keys'] as const;

export const useIngestKeys = (slug: string) =>
  useQuery(queryOptions({ queryKey: ingestKeysQueryKey(slug), queryFn: () => getIngestKeys(slug) }));
