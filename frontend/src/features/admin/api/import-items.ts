import { useMutation, useQueryClient } from '@tanstack/react-query';

import { client, formData, isApiError, unwrap } from '@/lib/api-client';
import type { ImportLineError, ImportResult } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type ImportItemsInput = { slug: string; file: File };

export const importItems = ({ slug, file }: ImportItemsInput): Promise<ImportResult> =>
  unwrap(client.POST('/api/campaigns/{slug}/items/import', { params: { path: { slug } }, body: formData({ file }) }));

/** The per-line errors of a rejected import, or null for any other failure. */
export function importLineErrors(error: unknown): ImportLineError[] | null {
  if (!isApiError(error, 'import_invalid')) return null;
  const errors = (error.details as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as ImportLineError[]) : null;
}

export const useImportItems = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof importItems> } = {}) => {
  const queryClient = useQueryClient();
  const { onSuccess, ...rest } = mutationConfig ?? {};
  return useMutation({
    ...rest,
    mutationFn: importItems,
    onSuccess: (data, variables, ...args) => {
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] }); // the list and this campaign
      onSuccess?.(data, variables, ...args);
    },
  });
};
