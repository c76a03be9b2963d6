import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { ExportJob } from '@/lib/api-types';

export const getExport = (id: number): Promise<ExportJob> => api.get(`/api/exports/${seg(id)}`);

export const isExportActive = (job: ExportJob | undefined) => job?.status === 'queued' || job?.status === 'running';

export const exportFileUrl = (id: number, name: string) => `/api/exports/${seg(id)}/files/${seg(name)}`;

/** One export job; polls every second while it is queued or running, then stops. */
export const useExport = (job: ExportJob) =>
  useQuery({
    ...queryOptions({ queryKey: ['exports', job.id], queryFn: () => getExport(job.id) }),
    initialData: job,
    staleTime: (query) => (isExportActive(query.state.data) ? 0 : Infinity),
    refetchInterval: (query) => (isExportActive(query.state.data) ? 1000 : false),
  });
