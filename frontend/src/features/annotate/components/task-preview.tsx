import type { SubmitJudgmentBody, Task } from '@/lib/api-types';

import { TaskView, type TaskOutcome } from './task-view';

const PREVIEW_PROGRESS = { my_judgments: 0, items_total: 1, items_complete: 0 };

export type TaskPreviewProps = {
  task: Task;
  /** A submission's body comes with `submitted`; nothing is sent to the server. */
  onFinished: (outcome: TaskOutcome, body?: SubmitJudgmentBody) => void;
};

/** The task screen as an annotator would see it, for a task that does not exist (a campaign's preview). */
export function TaskPreview({ task, onFinished }: TaskPreviewProps) {
  return (
    <TaskView
      task={task}
      progress={PREVIEW_PROGRESS}
      busy={false}
      onFinished={(outcome) => {
        if (outcome !== 'submitted') onFinished(outcome);
      }}
      onPreviewSubmit={(body) => onFinished('submitted', body)}
    />
  );
}
