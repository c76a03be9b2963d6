import type { ExportJob, ExportOptions } from '@/lib/api-types';

/** Every export option at its server-side default. */
export const defaultExportOptions: ExportOptions = {
  format: 'dpo',
  conversational: true,
  salt: '',
  file_format: 'jsonl',
  aggregation: 'none',
  drop_ties: false,
  kto_from_preferences: false,
  include_profiles: false,
  include_gold: false,
  include_simulated: false,
  include_excluded: false,
};

/** Export job 5 of campaign `demo` as GET /api/exports/{id} answers it. */
export const exportJob = (status: ExportJob['status'], extra: Partial<ExportJob> = {}): ExportJob => ({
  id: 5,
  campaign_slug: 'demo',
  format: 'dpo',
  options: defaultExportOptions,
  status,
  progress: { done: status === 'succeeded' ? 10 : 3, total: 10 },
  row_count: null,
  files: [],
  error: null,
  created_at: '2025-01-02T00:00:00Z',
  finished_at: null,
  ...extra,
});
