import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignSpec } from '@/lib/api-types';

import type { SpecDocument } from '../spec-document';

/** The spec with the server's defaults filled in, or an ApiError whose details list every problem. */
export const validateSpec = (spec: SpecDocument): Promise<CampaignSpec> =>
  // The document may be anything the YAML said: the server is the one to judge it.
  unwrap(client.POST('/api/campaign-specs/validate', { body: spec as unknown as CampaignSpec })).then((r) => r.spec);

export const useValidateSpec = (spec: SpecDocument) =>
  useQuery({
    queryKey: ['campaign-specs', 'validate', spec],
    queryFn: () => validateSpec(spec),
    retry: false,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
