import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import { isApiError } from '@/lib/api-client';
import type {
  NextTaskResponse,
  QualificationFeedback,
  SubmitJudgmentResponse,
  Task,
  UndoResponse,
} from '@/lib/api-types';

import { useCrowdCompletion } from '../api/get-completion';
import { nextTaskQueryKey, useNextTask } from '../api/get-next-task';
import { useUndoJudgment } from '../api/undo-judgment';
import { useStoppedCampaign } from '../components/campaign-stopped';
import { DoneState } from '../components/done-state';
import { LoadTaskError } from '../components/load-task-error';
import { useRecheckOnboarding } from '../components/participation/participation-gate';
import { FeedbackPanel } from '../components/qualification/feedback-panel';
import { excludedDetails, ScreenedOut } from '../components/qualification/screened-out';
import { TaskPage } from '../components/task-page';
import { TaskView, type TaskOutcome } from '../components/task-view';
import { UndoToast } from '../components/undo-toast';
import { useTaskShortcuts } from '../hooks/use-task-shortcuts';
import { forgetClientId } from '../utils/client-id';

type Undoable = { judgmentId: number; until: number };
/** A task re-opened by undo: shown instead of /next until it is submitted (or left) again. */
type Reopened = UndoResponse & { task: Task; key: number };

const NOTICES: Partial<Record<TaskOutcome, string>> = {
  expired: 'That task expired before your answer was saved, so here is a new one.',
  reported: 'Thanks — the item was reported. Here is another one.',
};
// No new task follows in a paused or closed campaign: its notices promise none.
const EXPIRED_WHILE_STOPPED = 'That task expired before your answer was saved.';

export function TaskRoute() {
  const { slug = '' } = useParams();
  const next = useNextTask(slug);
  const { refetch } = next;
  const [notice, setNotice] = useState<string | null>(null);
  const [undoable, setUndoable] = useState<Undoable | null>(null);
  const [reopened, setReopened] = useState<Reopened | null>(null);
  // After a qualification answer: its feedback, shown until Continue shows the next task (the one
  // the submit answered, if it did).
  const [feedback, setFeedback] = useState<QualificationFeedback | null>(null);
  const [afterFeedback, setAfterFeedback] = useState<NextTaskResponse | null>(null);
  const queryClient = useQueryClient();
  // The submit answered the next task: it becomes /next's data, no request. Null (the server would
  // refuse, or the submit did not say) asks /next, which leases or tells why not.
  const showNext = useCallback(
    (after: NextTaskResponse | null | undefined) => {
      if (after) queryClient.setQueryData(nextTaskQueryKey(slug), after);
      else void refetch();
    },
    [queryClient, slug, refetch],
  );
  // Paused or closed: the task held is finished, then the screen says so (not an error).
  const stop = useStoppedCampaign<TaskOutcome>(slug, next, { saved: 'submitted', onCheckAgain: () => setNotice(null) });
  const { finished } = stop;
  const completion = useCrowdCompletion(slug);
  const { refresh: refreshCompletion } = completion;
  useRecheckOnboarding(slug, next.error);

  const onFinished = useCallback(
    (outcome: TaskOutcome, result?: SubmitJudgmentResponse) => {
      setNotice(NOTICES[outcome] ?? null);
      finished(outcome);
      setReopened(null);
      refreshCompletion();
      if (result?.qualification) {
        // A qualification answer is final (its first answer is what counts): no undo offered.
        setUndoable(null);
        setFeedback(result.qualification);
        setAfterFeedback(result.next ?? null);
        return;
      }
      const until = result?.undo_until ? Date.parse(result.undo_until) : NaN;
      setUndoable(result && until > Date.now() ? { judgmentId: result.judgment_id, until } : null);
      showNext(result?.next);
    },
    [showNext, refreshCompletion, finished],
  );

  // The toast goes away when the server's undo window closes.
  useEffect(() => {
    if (!undoable) return;
    const timer = window.setTimeout(() => setUndoable(null), Math.max(0, undoable.until - Date.now()));
    return () => window.clearTimeout(timer);
  }, [undoable]);

  const undo = useUndoJudgment({
    mutationConfig: {
      onSuccess: (response) => {
        setUndoable(null);
        const { task } = response;
        if (!task) {
          setNotice('That answer could not be re-opened.');
          return;
        }
        // Submitting the re-opened task again is a new revision: it needs a fresh client_id.
        forgetClientId(task.assignment_id);
        setReopened({ ...response, task, key: Date.now() });
        setNotice(null);
      },
      onError: (error) => {
        setUndoable(null);
        setNotice(
          isApiError(error, 'undo_expired') ? 'Too late to undo: that answer is final.' : `Could not undo: ${error.message}`,
        );
      },
    },
  });

  const startUndo = () => {
    if (undoable && !undo.isPending) undo.mutate({ slug, body: { judgment_id: undoable.judgmentId } });
  };

  useTaskShortcuts(Boolean(undoable) && !undo.isPending, (key) => {
    if (key !== 'z') return false;
    startUndo();
    return true;
  });

  const continueAfterFeedback = () => {
    setFeedback(null);
    setAfterFeedback(null);
    showNext(afterFeedback);
  };
  // 409 annotator_excluded is final: the stop page, never an automatic retry.
  const excluded = next.error && !next.isFetching ? excludedDetails(next.error) : null;

  let body;
  if (reopened) {
    body = (
      <TaskView
        key={`undo:${reopened.task.assignment_id}:${reopened.key}`}
        task={reopened.task}
        progress={reopened.progress}
        previousAnswers={reopened.previous_answers ?? {}}
        busy={false}
        onFinished={onFinished}
        leaseNext
      />
    );
  } else if (next.isPending) {
    body = <Loading label="Loading your next task…" />;
  } else if (stop.screen) {
    body = stop.screen;
  } else if (excluded) {
    body = <ScreenedOut details={excluded} />;
  } else if (next.error && !next.isFetching) {
    body = <LoadTaskError error={next.error} onRetry={() => refetch()} />;
  } else if (next.data && !next.data.task) {
    // A crowd participant at the target gets no task: the gate shows the code once it knows.
    body = completion.refreshing ? <Loading /> : <DoneState progress={next.data.progress} />;
  } else if (next.data?.task) {
    const { task, progress } = next.data;
    body = (
      <>
        {stop.notice}
        <TaskView
          key={`${task.assignment_id}:${next.dataUpdatedAt}`}
          task={task}
          progress={progress}
          busy={next.isFetching || undo.isPending}
          onFinished={onFinished}
          leaseNext
        />
      </>
    );
  }

  return (
    <TaskPage notice={stop.status ? (stop.lastOutcome === 'expired' ? EXPIRED_WHILE_STOPPED : null) : notice}>
      {feedback && next.data?.task ? (
        <FeedbackPanel feedback={feedback} questions={next.data.task.questions} onContinue={continueAfterFeedback} />
      ) : null}
      {body}
      {undoable ? <UndoToast pending={undo.isPending} onUndo={startUndo} onDismiss={() => setUndoable(null)} /> : null}
    </TaskPage>
  );
}
