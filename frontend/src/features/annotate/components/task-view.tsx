import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';

import { isApiError } from '@/lib/api-client';
import type {
  PairwiseChoice,
  PairwiseQuestion,
  SubmitJudgmentBody,
  SubmitJudgmentResponse,
  Task,
  TaskProgress as Progress,
} from '@/lib/api-types';

import { useReportTask } from '../api/report-task';
import { useSkipTask } from '../api/skip-task';
import { useSubmitJudgment } from '../api/submit-judgment';
import { isActivatable, useTaskShortcuts } from '../hooks/use-task-shortcuts';
import {
  describeIssue,
  initDrafts,
  serverIssues,
  toAnswers,
  validateQuestion,
  type Draft,
  type Drafts,
  type Issue,
  type QuestionContext,
} from '../questions';
import { asksStrength, choose, setStrength, STRENGTHS, type PairwiseDraft } from '../questions/pairwise';
import { choicesFor } from '../utils/choices';
import { forgetClientId, getOrCreateClientId } from '../utils/client-id';
import { submitStatus } from '../utils/submit-status';

import { CandidateList } from './candidate-list';
import { ChatContext } from '@/components/content/chat-context';
import { GuidelinesDrawer } from './guidelines-drawer';
import { KeyboardHelp, shortcutsFor } from './keyboard-help';
import { QuestionBlock, questionDomId } from './questions/question-block';
import { QuestionView } from './questions/question-view';
import { ReportDialog } from './report-dialog';
import { SkipDialog } from './skip-dialog';
import { SubmitError } from './submit-error';
import { TaskProgress } from './task-progress';
import { TaskTools, toolKey, type ToolActions } from './task-tools';

export type TaskOutcome = 'submitted' | 'skipped' | 'reported' | 'expired' | 'abandoned';

type TaskViewProps = {
  task: Task;
  progress: Progress;
  /** The next task is being fetched: freeze the screen. */
  busy: boolean;
  /** Answers to start from (an undone judgment), keyed by question id. */
  previousAnswers?: Record<string, unknown>;
  onFinished: (outcome: TaskOutcome, result?: SubmitJudgmentResponse) => void;
  /** The submit also leases the next task and answers it (`result.next`): one round trip per judgment. */
  leaseNext?: boolean;
  /**
   * A preview (the campaign builder's): nothing reaches the server, a submission's body comes here,
   * skip and report just finish, and the screen takes no focus from the page around it.
   */
  onPreviewSubmit?: (body: SubmitJudgmentBody) => void;
};

const isPairwise = (q: Task['questions'][number]): q is PairwiseQuestion => q.kind === 'pairwise';

/** `A:0`, … for each candidate audio/video part that must play to its end before submitting. */
function playbackKeys(task: Task): string[] {
  if (!task.display?.media?.require_full_playback) return [];
  return task.candidates.flatMap((candidate) =>
    (Array.isArray(candidate.content) ? candidate.content : []).flatMap((part, index) =>
      part?.type === 'audio' || part?.type === 'video' ? [`${candidate.label}:${index}`] : [],
    ),
  );
}

/** One task, from first paint to a stored judgment. Remount (key) it for every new assignment. */
export function TaskView({
  task,
  progress,
  busy,
  previousAnswers,
  onFinished,
  leaseNext = false,
  onPreviewSubmit,
}: TaskViewProps) {
  const slug = task.campaign.slug;
  const { questions } = task;
  const [clientId] = useState(() => getOrCreateClientId(task.assignment_id));
  const [shownAt] = useState(() => performance.now());
  const ctx = useMemo<QuestionContext>(
    () => ({ labels: task.candidates.map((c) => c.label), candidates: task.candidates }),
    [task.candidates],
  );
  const [drafts, setDrafts] = useState<Drafts>(() => initDrafts(questions, ctx, previousAnswers));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [attempted, setAttempted] = useState(false);
  const [rejected, setRejected] = useState<Record<string, Issue[]>>({});
  const [lastBody, setLastBody] = useState<SubmitJudgmentBody | null>(null);
  const [done, setDone] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [skipOpen, setSkipOpen] = useState(false);
  const [reportOpen, setReportOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const inFlight = useRef(false); // guards double key presses between renders
  const headingRef = useRef<HTMLHeadingElement>(null);

  // With require_full_playback, every candidate audio/video must have played to its end first.
  const mustPlay = useMemo(() => playbackKeys(task), [task]);
  const [played, setPlayed] = useState<ReadonlySet<string>>(() => new Set());
  const unplayed = mustPlay.filter((key) => !played.has(key)).length;
  const onMediaEnded = (label: string, index: number) =>
    setPlayed((before) => (before.has(`${label}:${index}`) ? before : new Set(before).add(`${label}:${index}`)));

  // A single plain A/B question answers on the first key press; anything more gets a Submit button.
  const autoSubmit =
    questions.length === 1 && isPairwise(questions[0]) && !(questions[0].aspects ?? []).length && mustPlay.length === 0;

  const issues = useMemo(
    () => Object.fromEntries(questions.map((q) => [q.id, validateQuestion(q, drafts[q.id], ctx)])) as Record<string, Issue[]>,
    [questions, drafts, ctx],
  );
  const answeredCount = questions.filter((q) => issues[q.id].length === 0).length;
  const complete = questions.length > 0 && answeredCount === questions.length;

  const finish = useCallback(
    (outcome: TaskOutcome, result?: SubmitJudgmentResponse) => {
      setDone(true);
      onFinished(outcome, result);
    },
    [onFinished],
  );

  const focusQuestion = (id: string | undefined) => {
    if (!id) return;
    const element = document.getElementById(`question-${id}`);
    element?.focus({ preventScroll: true });
    element?.scrollIntoView?.({ block: 'center' });
  };

  const submit = useSubmitJudgment({
    mutationConfig: {
      onSuccess: (result) => {
        forgetClientId(task.assignment_id);
        finish('submitted', result);
      },
      onError: (error) => {
        if (isApiError(error, 'lease_expired')) finish('expired');
        else if (isApiError(error, 'invalid_answer')) {
          const grouped = serverIssues(error.details);
          setRejected(grouped);
          focusQuestion(questions.find((q) => grouped[q.id])?.id);
        }
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

  const report = useReportTask({
    mutationConfig: {
      onSuccess: () => {
        setReportOpen(false);
        forgetClientId(task.assignment_id);
        finish('reported');
      },
      onError: (error) => {
        if (isApiError(error, 'lease_expired')) {
          setReportOpen(false);
          finish('expired');
        }
      },
    },
  });

  const locked = busy || done || submit.isPending || skip.isPending || report.isPending;

  useEffect(() => {
    if (onPreviewSubmit) return;
    window.scrollTo?.({ top: 0 });
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  const send = (body: SubmitJudgmentBody) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setLastBody(body);
    setRejected({});
    if (onPreviewSubmit) {
      inFlight.current = false;
      onPreviewSubmit(body);
      finish('submitted');
      return;
    }
    submit.mutate({ slug, body });
  };

  const sendDrafts = (source: Drafts) =>
    // The same client_id on every attempt: the server keeps exactly one judgment.
    send({
      assignment_id: task.assignment_id,
      client_id: clientId,
      answers: toAnswers(questions, source, ctx),
      time_spent_ms: Math.max(0, Math.round(performance.now() - shownAt)),
      next: leaseNext,
    });

  const update = (questionId: string, draft: Draft) => {
    if (locked || inFlight.current) return;
    const next = { ...drafts, [questionId]: draft };
    setDrafts(next);
    setTouched((t) => (t[questionId] ? t : { ...t, [questionId]: true }));
    setRejected((r) => {
      if (!r[questionId]) return r;
      const rest = { ...r };
      delete rest[questionId];
      return rest;
    });
    if (autoSubmit && questions.every((q) => validateQuestion(q, next[q.id], ctx).length === 0)) sendDrafts(next);
  };

  const trySubmit = () => {
    if (locked || inFlight.current || unplayed > 0) return;
    if (!complete) {
      setAttempted(true);
      focusQuestion(questions.find((q) => issues[q.id].length > 0)?.id);
      return;
    }
    sendDrafts(drafts);
  };

  const retry = () => {
    if (lastBody && !locked) send(lastBody);
  };

  // Digits answer the first A/B question still missing its choice or strength (else the last one).
  const pairwiseQuestions = questions.filter(isPairwise);
  const activePairwise =
    pairwiseQuestions.find((q) => {
      const d = drafts[q.id] as PairwiseDraft | undefined;
      return !d?.choice || (asksStrength(q, d) && !d.strength);
    }) ?? pairwiseQuestions[pairwiseQuestions.length - 1];

  const tools: ToolActions = {
    onGuidelines: () => setGuidelinesOpen(true),
    onToggleHelp: () => setHelpOpen((open) => !open),
    onSkip: () => setSkipOpen(true),
    onReport: () => setReportOpen(true),
  };
  const dialogOpen = guidelinesOpen || skipOpen || reportOpen;
  useTaskShortcuts(!dialogOpen, (key, event) => {
    if (toolKey(key, locked, tools)) return true;
    if (locked) return false;
    if (key === 'enter') {
      if (autoSubmit || isActivatable(event.target)) return false;
      trySubmit();
      return true;
    }
    if (!activePairwise) return false;
    const draft = (drafts[activePairwise.id] ?? { aspects: {} }) as PairwiseDraft;
    const option = choicesFor(activePairwise).find((o) => o.key === key);
    if (option) {
      update(activePairwise.id, choose(draft, option.choice));
      return true;
    }
    const strength = STRENGTHS.find((s) => s.key === key);
    if (strength && asksStrength(activePairwise, draft)) {
      update(activePairwise.id, setStrength(draft, strength.strength));
      return true;
    }
    return false;
  });

  const submitError = submit.error && !isApiError(submit.error, 'lease_expired') ? submit.error : null;
  const firstChoice = pairwiseQuestions[0]
    ? ((drafts[pairwiseQuestions[0].id] as PairwiseDraft | undefined)?.choice as PairwiseChoice | undefined)
    : undefined;
  const selectedLabel = firstChoice === 'A' || firstChoice === 'B' ? firstChoice : undefined;
  const status = submitStatus({ saved: done || busy, pending: submit.isPending, failureCount: submit.failureCount });
  const missing = questions.filter((q) => issues[q.id].length > 0);

  return (
    <div className="task" data-testid="task" data-assignment-id={task.assignment_id} aria-busy={locked}>
      <header className="task__header">
        <div className="task__title">
          {onPreviewSubmit ? null : (
            <Link to="/annotate" className="back-link">
              ← Campaigns
            </Link>
          )}
          <h1 ref={headingRef} tabIndex={-1}>
            {task.campaign.name}
          </h1>
          <TaskProgress progress={progress} />
          {previousAnswers ? (
            <p className="task__reopened" role="status">
              Re-opened: change your answers and submit again.
            </p>
          ) : null}
        </div>
        <TaskTools helpOpen={helpOpen} locked={locked} {...tools} />
      </header>

      {helpOpen ? <KeyboardHelp id="keyboard-help" shortcuts={shortcutsFor(questions, { autoSubmit, canUndo: true })} /> : null}

      <ChatContext messages={task.context} />
      <CandidateList candidates={task.candidates} selected={selectedLabel} display={task.display} onMediaEnded={onMediaEnded} />

      <section className={`answer-bar${autoSubmit ? ' answer-bar--sticky' : ''}`} aria-label="Your judgment">
        {questions.length === 0 ? <p className="muted">This task has no questions. Skip it to continue.</p> : null}
        {questions.map((question) => {
          const questionIssues = issues[question.id];
          return (
            <QuestionBlock
              key={question.id}
              question={question}
              issue={questionIssues[0]}
              showIssue={attempted ? 'error' : touched[question.id] && !autoSubmit ? 'hint' : 'none'}
              serverIssues={rejected[question.id]}
              complete={questionIssues.length === 0}
            >
              <QuestionView
                question={question}
                draft={drafts[question.id]}
                ctx={ctx}
                disabled={locked}
                showKeys={question.id === activePairwise?.id}
                onChange={(draft) => update(question.id, draft)}
                onSubmitShortcut={trySubmit}
              />
            </QuestionBlock>
          );
        })}
        {submitError ? (
          <SubmitError
            error={submitError}
            general={rejected['']}
            locked={locked}
            onRetry={retry}
            onAbandon={() => finish('abandoned')}
          />
        ) : null}
        {!autoSubmit && questions.length > 0 ? (
          <div className="submit-bar">
            <button
              type="button"
              className="button button--primary submit-bar__button"
              data-testid="submit"
              aria-keyshortcuts="Enter"
              aria-describedby="submit-bar-status"
              disabled={!complete || locked || unplayed > 0}
              onClick={trySubmit}
            >
              Submit <kbd aria-hidden="true">Enter</kbd>
            </button>
            <span id="submit-bar-status" className="submit-bar__status" data-testid="submit-status">
              {answeredCount} of {questions.length} answered
              {unplayed > 0 ? (
                <span className="submit-bar__missing" data-testid="playback-needed">
                  {' · '}play every response to the end first ({mustPlay.length - unplayed} of {mustPlay.length} played)
                </span>
              ) : null}
              {missing.length > 0 ? (
                <span className="submit-bar__missing">
                  {' · still needed: '}
                  {missing.map((q, i) => (
                    <span key={q.id}>
                      {i > 0 ? '; ' : ''}
                      <a
                        href={`#${questionDomId(q)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          focusQuestion(q.id);
                        }}
                      >
                        {q.prompt}
                      </a>
                      {attempted ? ` (${describeIssue(q, issues[q.id][0])})` : ''}
                    </span>
                  ))}
                </span>
              ) : null}
            </span>
          </div>
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
          onConfirm={(reason) =>
            onPreviewSubmit ? finish('skipped') : skip.mutate({ slug, body: { assignment_id: task.assignment_id, reason } })
          }
          onCancel={() => {
            skip.reset();
            setSkipOpen(false);
          }}
        />
      ) : null}
      {reportOpen ? (
        <ReportDialog
          pending={report.isPending}
          error={report.error}
          onConfirm={(reason) =>
            onPreviewSubmit ? finish('reported') : report.mutate({ slug, body: { assignment_id: task.assignment_id, reason } })
          }
          onCancel={() => {
            report.reset();
            setReportOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}
