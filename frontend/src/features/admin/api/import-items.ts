import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { ApiError, client, formData, isApiError, unwrap } from '@/lib/api-client';
import type { ImportJob, ImportLineError } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type ImportItemsInput = { slug: string; file: File };

/** Starts an import job: the server validates the whole file, writes it in batches without
 * holding annotators, and shows its items all at once when it is done (all or nothing). */
export const importItems = ({ slug, file }: ImportItemsInput): Promise<ImportJob> =>
  unwrap(client.POST('/api/campaigns/{slug}/items/import-jobs', { params: { path: { slug } }, body: formData({ file }) }));

export const getImportJob = (id: number): Promise<ImportJob> =>
  unwrap(client.GET('/api/import-jobs/{job_id}', { params: { path: { job_id: id } } }));

export const isImportJobActive = (job: ImportJob | undefined) => job?.status === 'queued' || job?.status === 'running';

/** A failed job's refusal as the error a direct request would have thrown (same code,
 * message and line errors), so it is shown the same way. */
export function importJobError(job: ImportJob | undefined): ApiError | null {
  if (job?.status !== 'failed') return null;
  const error = job.error as { code?: string; message?: string; details?: unknown } | null;
  return new ApiError(422, error?.code ?? 'import_failed', error?.message ?? 'The import failed.', error?.details ?? null);
}

/** The per-line errors of a rejected import, or null for any other failure. */
export function importLineErrors(error: unknown): ImportLineError[] | null {
  if (!isApiError(error, 'import_invalid')) return null;
  const errors = (error.details as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as ImportLineError[]) : null;
}

export const useImportItems = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof importItems> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: importItems });

/** The import job just started; polls every second while it is queued or running, and
 * refreshes the campaign (its item counts) once the job has finished. */
export const useImportJob = (job: ImportJob | undefined) => {
  const queryClient = useQueryClient();
  const id = job?.id ?? 0;
  return useQuery({
    ...queryOptions({
      queryKey: ['import-jobs', id],
      queryFn: async () => {
        const polled = await getImportJob(id);
        if (!isImportJobActive(polled)) void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
        return polled;
      },
    }),
    enabled: job !== undefined,
    initialData: job,
    staleTime: (query) => (isImportJobActive(query.state.data) ? 0 : Infinity),
    refetchInterval: (query) => (isImportJobActive(query.state.data) ? 1000 : false),
  });
};
