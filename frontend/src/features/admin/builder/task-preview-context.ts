import { createContext, type ComponentType } from 'react';

import type { SubmitJudgmentBody, Task } from '@/lib/api-types';

export type TaskPreviewComponent = ComponentType<{
  task: Task;
  onFinished: (outcome: string, body?: SubmitJudgmentBody) => void;
}>;

/**
 * The annotator's task screen, which the app hands to the admin area (features never import one
 * another): the builder's preview is the real screen, not a copy of it.
 */
export const TaskPreviewContext = createContext<TaskPreviewComponent | null>(null);
