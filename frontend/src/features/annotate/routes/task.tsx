import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useNextTask } from '../api/get-next-task';
import { DoneState } from '../components/done-state';
import { TaskView, type TaskOutcome } from '../components/task-view';

export function TaskRoute() {
  const { slug = '' } = useParams();
  const next = useNextTask(slug);
  const { refetch } = next;
  const [notice, setNotice] = useState<string | null>(null);

  const onFinished = useCallback(
    (outcome: TaskOutcome) => {
      setNotice(
        outcome === 'expired' ? 'That task expired before your answer was saved, so here is a new one.' : null,
      );
      void refetch();
    },
    [refetch],
  );

  let body;
  if (next.isPending) {
    body = <Loading label="Loading your next task…" />;
  } else if (next.error && !next.isFetching) {
    body = (
      <ErrorMessage error={next.error} title="Could not load a task.">
        <button type="button" className="button button--primary" onClick={() => refetch()}>
          Try again
        </button>
        <Link className="button" to="/annotate">
          Back to campaigns
        </Link>
      </ErrorMessage>
    );
  } else if (next.data && !next.data.task) {
    body = <DoneState progress={next.data.progress} />;
  } else if (next.data?.task) {
    const { task, progress } = next.data;
    body = (
      <TaskView
        key={`${task.assignment_id}:${next.dataUpdatedAt}`}
        task={task}
        progress={progress}
        busy={next.isFetching}
        onFinished={onFinished}
      />
    );
  }

  return (
    <main className="page page--task">
      {notice ? (
        <div className="alert alert--info" role="status">
          {notice}
        </div>
      ) : null}
      {body}
    </main>
  );
}
