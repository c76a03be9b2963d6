import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ModelTestResult } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

/**
 * Sends one small request through the endpoint; a failed call comes back as `ok: false`, not as an
 * error. A server runs only a few tests at once: more are refused with 429 `too_many_model_tests`.
 */
export const testModel = (name: string): Promise<ModelTestResult> => unwrap(client.POST('/api/models/{name}/test', { params: { path: { name } } }));

export const useTestModel = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof testModel> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: testModel });
