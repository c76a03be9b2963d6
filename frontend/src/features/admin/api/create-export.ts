import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, serverDefaults, unwrap } from '@/lib/api-client';
import type { CreateExportBody, ExportJob } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

import { campaignExportsQueryKey } from './get-campaign-exports';

export type CreateExportInput = { slug: string; body: CreateExportBody };

export const createExport = ({ slug, body }: CreateExportInput): Promise<ExportJob> =>
  unwrap(client.POST('/api/campaigns/{slug}/exports', { params: { path: { slug } }, body: serverDefaults(body) }));

export const useCreateExport = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof createExport> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: createExport,
    onSuccess: (job, variables, ...args) => {
      queryClient.setQueryData<{ exports: ExportJob[] }>(campaignExportsQueryKey(variables.slug), (old) => ({
        exports: [job, ...(old?.exports ?? []).filter((existing) => existing.id !== job.id)],
      }));
      onSuccess?.(job, variables, ...args);
    },
  });
};
