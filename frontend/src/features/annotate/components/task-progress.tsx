import type { TaskProgress as Progress } from '@/lib/api-types';

export function TaskProgress({ progress }: { progress: Progress }) {
  return (
    <p className="task-progress" data-testid="progress">
      You&apos;ve rated {progress.my_judgments} · {progress.items_complete} of {progress.items_total} items complete
    </p>
  );
}
