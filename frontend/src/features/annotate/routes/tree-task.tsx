import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';

import { useCrowdCompletion } from '../api/get-completion';
import { useNextTreeTask } from '../api/get-next-tree-task';
import { useStoppedCampaign } from '../components/campaign-stopped';
import { LoadTaskError } from '../components/load-task-error';
import { useRecheckOnboarding } from '../components/participation/participation-gate';
import { TaskPage } from '../components/task-page';
import { TreeTaskView, type TreeTaskOutcome } from '../components/trees/tree-task-view';

const NOTICES: Record<TreeTaskOutcome, string | null> = {
  submitted: null,
  skipped: null,
  closed: 'That task closed before your answer was saved (it expired, or its tree moved on). Here is a new one.',
};

// No new task follows in a paused or closed campaign: its notices promise none.
const CLOSED_WHILE_STOPPED = 'That task closed before your answer was saved.';

/** A tree campaign's task screen: write, review or rank, then the next task. Loaded lazily. */
export default function TreeTaskRoute() {
  const { slug = '' } = useParams();
  const next = useNextTreeTask(slug);
  const { refetch } = next;
  const [notice, setNotice] = useState<string | null>(null);
  // Paused or closed: the task held is finished, then the screen says so (not an error).
  const stop = useStoppedCampaign<TreeTaskOutcome>(slug, next, {
    saved: 'submitted',
    onCheckAgain: () => setNotice(null),
  });
  const { finished } = stop;
  const completion = useCrowdCompletion(slug);
  const { refresh: refreshCompletion } = completion;
  useRecheckOnboarding(slug, next.error);

  const onFinished = useCallback(
    (outcome: TreeTaskOutcome) => {
      setNotice(NOTICES[outcome]);
      finished(outcome);
      refreshCompletion();
      void refetch();
    },
    [refetch, refreshCompletion, finished],
  );

  let body;
  if (next.isPending) {
    body = <Loading label="Loading your next task…" />;
  } else if (stop.screen) {
    body = stop.screen;
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
    body = (
      <>
        {stop.notice}
        <TreeTaskView key={`${task.id}:${next.dataUpdatedAt}`} task={task} busy={next.isFetching} onFinished={onFinished} />
      </>
    );
  }

  return (
    <TaskPage notice={stop.status ? (stop.lastOutcome === 'closed' ? CLOSED_WHILE_STOPPED : null) : notice}>
      {body}
    </TaskPage>
  );
}
