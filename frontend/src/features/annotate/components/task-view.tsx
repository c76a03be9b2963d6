import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError, isRetryable } from '@/lib/api-client';
import type { Answer, PairwiseChoice, SubmitJudgmentBody, Task, TaskProgress as Progress } from '@/lib/api-types';

import { useSkipTask } from '../api/skip-task';
import { useSubmitJudgment } from '../api/submit-judgment';
import { useTaskShortcuts } from '../hooks/use-task-shortcuts';
import { choicesFor } from '../utils/choices';
import { forgetClientId, getOrCreateClientId } from '../utils/client-id';

import { CandidatePair } from './candidate-pair';
import { ChatContext } from './chat-context';
import { GuidelinesDrawer } from './guidelines-drawer';
import { PairwiseQuestion } from './pairwise-question';
import { SkipDialog } from './skip-dialog';
import { TaskProgress } from './task-progress';

export type TaskOutcome = 'submitted' | 'skipped' | 'expired' | 'abandoned';

type TaskViewProps = {
  task: Task;
  progress: Progress;
  /** The next task is being fetched: freeze the screen. */
  busy: boolean;
  onFinished: (outcome: TaskOutcome) => void;
};

/** One task, from first paint to a stored judgment. Remount (key) it for every new assignment. */
export function TaskView({ task, progress, busy, onFinished }: TaskViewProps) {
  const slug = task.campaign.slug;
  const [clientId] = useState(() => getOrCreateClientId(task.assignment_id));
  const [shownAt] = useState(() => performance.now());
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [lastBody, setLastBody] = useState<SubmitJudgmentBody | null>(null);
  const [done, setDone] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [skipOpen, setSkipOpen] = useState(false);
  const inFlight = useRef(false); // guards double key presses between renders
  const headingRef = useRef<HTMLHeadingElement>(null);

  const finish = useCallback(
    (outcome: TaskOutcome) => {
      setDone(true);
      onFinished(outcome);
    },
    [onFinished],
  );

  const submit = useSubmitJudgment({
    mutationConfig: {
      onSuccess: () => {
        forgetClientId(task.assignment_id);
        finish('submitted');
      },
      onError: (error) => {
        if (isApiError(error, 'lease_expired')) finish('expired');
      },
      onSettled: () => {
        inFlight.current = false;
      },
    },
  });

  const skip = useSkipTask({
    mutationConfig: {
      onSuccess: () => {
        setSkipOpen(false);
        forgetClientId(task.assignment_id);
        finish('skipped');
      },
      onError: (error) => {
        if (isApiError(error, 'lease_expired')) {
          setSkipOpen(false);
          finish('expired');
        }
      },
    },
  });

  const locked = busy || done || submit.isPending || skip.isPending;

  useEffect(() => {
    window.scrollTo?.({ top: 0 });
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  const send = (body: SubmitJudgmentBody) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setLastBody(body);
    submit.mutate({ slug, body });
  };

  const choose = (questionId: string, choice: PairwiseChoice) => {
    if (locked || inFlight.current) return;
    const next = { ...answers, [questionId]: { choice } };
    setAnswers(next);
    if (task.questions.every((q) => next[q.id])) {
      // The same client_id on every attempt: the server keeps exactly one judgment.
      send({
        assignment_id: task.assignment_id,
        client_id: clientId,
        answers: next,
        time_spent_ms: Math.max(0, Math.round(performance.now() - shownAt)),
      });
    }
  };

  const retry = () => {
    if (lastBody && !locked) send(lastBody);
  };

  // Digits answer the first unanswered question (with one question: that question).
  const activeQuestion = task.questions.find((q) => !answers[q.id]) ?? task.questions[task.questions.length - 1];

  useTaskShortcuts(!guidelinesOpen && !skipOpen, (key) => {
    if (key === 'g') {
      setGuidelinesOpen(true);
      return true;
    }
    if (locked) return false;
    if (key === 's') {
      setSkipOpen(true);
      return true;
    }
    if (!activeQuestion) return false;
    const option = choicesFor(activeQuestion).find((o) => o.key === key);
    if (!option) return false;
    choose(activeQuestion.id, option.choice);
    return true;
  });

  const submitError = submit.error && !isApiError(submit.error, 'lease_expired') ? submit.error : null;
  const firstChoice = task.questions[0] ? answers[task.questions[0].id]?.choice : undefined;
  const status = done || busy ? 'Saved. Loading the next task…' : submit.isPending ? 'Saving your answer…' : '';

  return (
    <div className="task" data-testid="task" data-assignment-id={task.assignment_id} aria-busy={locked}>
      <header className="task__header">
        <div className="task__title">
          <Link to="/annotate" className="back-link">
            ← Campaigns
          </Link>
          <h1 ref={headingRef} tabIndex={-1}>
            {task.campaign.name}
          </h1>
          <TaskProgress progress={progress} />
        </div>
        <div className="task__tools">
          <button type="button" className="button" onClick={() => setGuidelinesOpen(true)} aria-keyshortcuts="G">
            Guidelines <kbd aria-hidden="true">G</kbd>
          </button>
          <button type="button" className="button" onClick={() => setSkipOpen(true)} disabled={locked} aria-keyshortcuts="S">
            Skip <kbd aria-hidden="true">S</kbd>
          </button>
        </div>
      </header>

      <ChatContext messages={task.context} />
      <CandidatePair candidates={task.candidates} selected={firstChoice} />

      <section
        className={`answer-bar${task.questions.length === 1 ? ' answer-bar--sticky' : ''}`}
        aria-label="Your judgment"
      >
        {task.questions.length === 0 ? (
          <p className="muted">This task has no questions. Skip it to continue.</p>
        ) : null}
        {task.questions.map((question) => (
          <PairwiseQuestion
            key={question.id}
            question={question}
            selected={answers[question.id]?.choice}
            disabled={locked}
            showKeys={question.id === activeQuestion?.id}
            onChoose={(choice) => choose(question.id, choice)}
          />
        ))}
        {submitError ? (
          <ErrorMessage
            error={submitError}
            title={isRetryable(submitError) ? 'Your answer was not saved yet — it is kept here.' : 'Your answer was not saved.'}
          >
            <button type="button" className="button button--primary" onClick={retry} disabled={locked}>
              Retry
            </button>
            {!isRetryable(submitError) ? (
              <button type="button" className="button" onClick={() => finish('abandoned')}>
                Load the next task
              </button>
            ) : null}
          </ErrorMessage>
        ) : null}
        <p className="answer-bar__status" role="status" aria-live="polite">
          {status}
        </p>
      </section>

      {guidelinesOpen ? (
        <GuidelinesDrawer guidelines={task.campaign.guidelines} onClose={() => setGuidelinesOpen(false)} />
      ) : null}
      {skipOpen ? (
        <SkipDialog
          pending={skip.isPending}
          error={skip.error}
          onConfirm={(reason) => skip.mutate({ slug, body: { assignment_id: task.assignment_id, reason } })}
          onCancel={() => {
            skip.reset();
            setSkipOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}
