import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { ReportTaskBody } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type ReportTaskInput = { slug: string; body: ReportTaskBody };

/** Reports the item (broken, offensive, unanswerable); the server also releases the task. */
export const reportTask = ({ slug, body }: ReportTaskInput): Promise<void> =>
  unwrap(client.POST('/api/annotate/{slug}/report', { params: { path: { slug } }, body }));

export const useReportTask = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof reportTask> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: reportTask });
