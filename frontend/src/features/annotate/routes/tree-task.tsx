import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';

import { useCrowdCompletion } from '../api/get-completion';
import { useNextTreeTask } from '../api/get-next-tree-task';
import { LoadTaskError } from '../components/load-task-error';
import { useRecheckOnboarding } from '../components/participation/participation-gate';
import { TaskPage } from '../components/task-page';
import { TreeTaskView, type TreeTaskOutcome } from '../components/trees/tree-task-view';

const NOTICES: Record<TreeTaskOutcome, string | null> = {
  submitted: null,
  skipped: null,
  closed: 'That task closed before your answer was saved (it expired, or its tree moved on). Here is a new one.',
};

/** A tree campaign's task screen: write, review or rank, then the next task. Loaded lazily. */
export default function TreeTaskRoute() {
  const { slug = '' } = useParams();
  const next = useNextTreeTask(slug);
  const { refetch } = next;
  const [notice, setNotice] = useState<string | null>(null);
  const completion = useCrowdCompletion(slug);
  const { refresh: refreshCompletion } = completion;
  useRecheckOnboarding(slug, next.error);

  const onFinished = useCallback(
    (outcome: TreeTaskOutcome) => {
      setNotice(NOTICES[outcome]);
      refreshCompletion();
      void refetch();
    },
    [refetch, refreshCompletion],
  );

  let body;
  if (next.isPending) {
    body = <Loading label="Loading your next task…" />;
  } else if (next.error && !next.isFetching) {
    body = <LoadTaskError error={next.error} onRetry={() => refetch()} />;
  } else if (next.data && !next.data.task && completion.refreshing) {
    body = <Loading />;
  } else if (next.data && !next.data.task) {
    body = (
      <section className="done card" data-testid="tree-done" aria-labelledby="tree-done-title">
        <h1 id="tree-done-title">No tree tasks for you right now</h1>
        <p>
          Every open message is waiting for someone else (nobody reviews or ranks their own writing). Try again in a
          while.
        </p>
        <div className="form__actions">
          <button type="button" className="button button--primary" onClick={() => refetch()} disabled={next.isFetching}>
            Check again
          </button>
          <Link className="button" to="/annotate">
            Back to campaigns
          </Link>
        </div>
      </section>
    );
  } else if (next.data?.task) {
    const { task } = next.data;
    body = <TreeTaskView key={`${task.id}:${next.dataUpdatedAt}`} task={task} busy={next.isFetching} onFinished={onFinished} />;
  }

  return (
    <TaskPage notice={notice}>
      {body}
    </TaskPage>
  );
}
