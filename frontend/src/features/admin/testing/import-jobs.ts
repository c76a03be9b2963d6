import type { ImportJob } from '@/lib/api-types';

/** An import job as GET /api/import-jobs/{id} answers it (job 9 unless `extra` says). */
export const importJob = (status: ImportJob['status'], extra: Partial<ImportJob> = {}): ImportJob => ({
  id: 9,
  status,
  filename: 'items.jsonl',
  imported: null,
  ready: null,
  progress_done: 0,
  progress_total: 0,
  error: null,
  created_at: '2025-01-02T00:00:00Z',
  finished_at: null,
  ...extra,
});
