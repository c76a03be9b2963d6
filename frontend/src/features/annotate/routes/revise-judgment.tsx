import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import { isApiError } from '@/lib/api-client';
import type { ReviseResponse, SubmitJudgmentResponse, Task } from '@/lib/api-types';

import { useReviseJudgment } from '../api/revise-judgment';
import { useSkipTask } from '../api/skip-task';
import { TaskView, type TaskOutcome } from '../components/task-view';
import { forgetClientId } from '../utils/client-id';

/** What the judgments list is told when the annotator comes back from revising. */
export type RevisedState = { revised?: { judgmentId: number; revision: number }; kept?: boolean };

const SUPERSEDED = 'That answer was revised since: revise its latest revision instead.';

/**
 * The task screen on one of the annotator's past judgments, its answers filled in. Submitting
 * stores a new revision and returns to "Your judgments"; "Keep my answer" leaves it as it was.
 * Re-opening is idempotent, so a reload asks the server again and shows the same task.
 */
export function ReviseJudgmentRoute() {
  const { slug = '', judgmentId = '' } = useParams();
  const id = Number(judgmentId);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [reopened, setReopened] = useState<(ReviseResponse & { task: Task }) | null>(null);
  const listPath = `/annotate/${slug}/judgments`;

  const revise = useReviseJudgment({
    mutationConfig: {
      onSuccess: (response) => {
        const { task } = response;
        if (!task) return;
        // The resubmission is a new judgment: it needs a fresh client_id.
        forgetClientId(task.assignment_id);
        setReopened({ ...response, task });
      },
    },
  });
  const { mutate } = revise;
  const asked = useRef<string | null>(null);
  useEffect(() => {
    const key = `${slug}:${id}`;
    if (asked.current === key || !Number.isInteger(id) || id < 1) return;
    asked.current = key;
    mutate({ slug, body: { judgment_id: id } });
  }, [slug, id, mutate]);

  const backToList = useCallback(
    (state: RevisedState) => {
      void queryClient.invalidateQueries({ queryKey: ['annotate', slug] });
      navigate(listPath, { state });
    },
    [queryClient, navigate, listPath, slug],
  );

  const keep = useSkipTask({ mutationConfig: { onSuccess: () => backToList({ kept: true }) } });

  const onFinished = useCallback(
    (outcome: TaskOutcome, result?: SubmitJudgmentResponse) => {
      if (outcome === 'submitted' && result && reopened) {
        backToList({ revised: { judgmentId: result.judgment_id, revision: reopened.revision } });
      } else {
        backToList({ kept: outcome !== 'submitted' });
      }
    },
    [backToList, reopened],
  );

  let body;
  if (!Number.isInteger(id) || id < 1) {
    body = <p className="alert alert--error">No such judgment.</p>;
  } else if (revise.error) {
    body = isApiError(revise.error, 'judgment_superseded') ? (
      <p className="alert alert--error" role="alert">
        {SUPERSEDED}
      </p>
    ) : (
      <ErrorMessage error={revise.error} title="This answer cannot be revised now." />
    );
  } else if (revise.isSuccess && !reopened) {
    body = <p className="alert alert--error">That answer could not be re-opened.</p>;
  } else if (!reopened) {
    body = <Loading label="Re-opening your answer…" />;
  } else {
    body = (
      <>
        <div className="alert alert--info revise-bar" role="status">
          <span>
            Revising your answer: submitting stores it as revision {reopened.revision}; the earlier one is kept in the
            history.
          </span>
          <button
            type="button"
            className="button button--small"
            disabled={keep.isPending}
            onClick={() =>
              keep.mutate({ slug, body: { assignment_id: reopened.task.assignment_id, reason: 'kept previous answer' } })
            }
          >
            Keep my answer
          </button>
        </div>
        {keep.error ? <ErrorMessage error={keep.error} /> : null}
        <TaskView
          key={`revise:${reopened.task.assignment_id}`}
          task={reopened.task}
          progress={reopened.progress}
          previousAnswers={reopened.previous_answers}
          busy={keep.isPending}
          onFinished={onFinished}
        />
      </>
    );
  }

  return (
    <main className="page page--task">
      {reopened ? null : (
        // Once re-opened, "Keep my answer" is the way back: it also closes the task again.
        <p>
          <Link to={listPath}>← Your judgments</Link>
        </p>
      )}
      {body}
    </main>
  );
}
