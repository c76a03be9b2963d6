import { useMutation } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { SkipTaskBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type SkipTaskInput = { slug: string; body: SkipTaskBody };

export const skipTask = ({ slug, body }: SkipTaskInput): Promise<void> =>
  unwrap(client.POST('/api/annotate/{slug}/skip', { params: { path: { slug } }, body: serverDefaults(body) }));

export const useSkipTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof skipTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: skipTask });
