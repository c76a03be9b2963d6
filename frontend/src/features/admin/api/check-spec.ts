import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { CampaignSpec, SpecCheck } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type CheckSpecInput = { slug: string; spec: CampaignSpec };

/** The spec's changes against the current version and the stored answers it invalidates; saves nothing. */
export const checkSpec = ({ slug, spec }: CheckSpecInput): Promise<SpecCheck> =>
  unwrap(client.POST('/api/campaigns/{slug}/spec/check', { params: { path: { slug } }, body: spec }));

export const useCheckSpec = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof checkSpec> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: checkSpec });
