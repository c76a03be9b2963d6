import { useMutation } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { UndoBody, UndoResponse } from '@/lib/api-types';
import type { MutationConfig } from '@/lib/react-query';

export type UndoJudgmentInput = { slug: string; body: UndoBody };

/** Re-opens a just-submitted task with its answers (409 `undo_expired` after the window). */
export const undoJudgment = ({ slug, body }: UndoJudgmentInput): Promise<UndoResponse> =>
  unwrap(client.POST('/api/annotate/{slug}/undo', { params: { path: { slug } }, body }));

export const useUndoJudgment = ({ mutationConfig }: { mutationConfig?: MutationConfig<typeof undoJudgment> } = {}) =>
  useMutation({ ...mutationConfig, mutationFn: undoJudgment });
