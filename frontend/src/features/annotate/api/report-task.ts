import { useMutation } from '@tanstack/react-query';

import { api, seg } from '@/lib/api-client';
import type { ReportTaskBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type ReportTaskInput = { slug: string; body: ReportTaskBody };

/** Reports the item (broken, offensive, unanswerable); the server also releases the task. */
export const reportTask = ({ slug, body }: ReportTaskInput): Promise<void> =>
  api.post(`/api/annotate/${seg(slug)}/report`, body);

export const useReportTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof reportTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: reportTask });
