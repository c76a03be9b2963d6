import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, seg, unwrap } from '@/lib/api-client';
import type { ExportJob } from '@/lib/api-types';

export const getExport = (id: number): Promise<ExportJob> =>
  unwrap(client.GET('/api/exports/{job_id}', { params: { path: { job_id: id } } }));

export const isExportActive = (job: ExportJob | undefined) => job?.status === 'queued' || job?.status === 'running';

/** A link (the browser downloads it), so built by hand: `GET /api/exports/{job_id}/files/{name}`
 * (media files are named `media/<sha256>.<ext>`: the slash stays a slash). */
export const exportFileUrl = (id: number, name: string) =>
  `/api/exports/${seg(id)}/files/${name.split('/').map(seg).join('/')}`;

/** "Download all": the whole export folder as one zip, `GET /api/exports/{job_id}/archive`. */
export const exportArchiveUrl = (id: number) => `/api/exports/${seg(id)}/archive`;

/** One export job; polls every second while it is queued or running, then stops. */
export const useExport = (job: ExportJob) =>
  useQuery({
    ...queryOptions({ queryKey: ['exports', job.id], queryFn: () => getExport(job.id) }),
    initialData: job,
    staleTime: (query) => (isExportActive(query.state.data) ? 0 : Infinity),
    refetchInterval: (query) => (isExportActive(query.state.data) ? 1000 : false),
  });
