import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';

import { isApiError } from '@/lib/api-client';
import type { TreeAnswer, TreeSubmitBody, TreeTask, TreeTaskKind } from '@/lib/api-types';

import { useSkipTreeTask } from '../../api/skip-tree-task';
import { useSubmitTreeTask } from '../../api/submit-tree-task';
import { isActivatable, useTaskShortcuts } from '../../hooks/use-task-shortcuts';
import { describeIssue, initDrafts, serverIssues, validateQuestion, type Draft, type Drafts, type Issue } from '../../questions';
import { ranking, type RankingDraft } from '../../questions/ranking';
import { forgetClientId, getOrCreateClientId } from '../../utils/client-id';
import { submitStatus } from '../../utils/submit-status';
import {
  isWriteKind,
  lengthIssue,
  RANK_QUESTION,
  rankAnswer,
  rankContext,
  REVIEW_CONTEXT,
  reviewAnswer,
  writeAnswer,
} from '../../utils/tree-answers';
import { GuidelinesDrawer } from '../guidelines-drawer';
import { KeyboardHelp, type Shortcut } from '../keyboard-help';
import { SkipDialog } from '../skip-dialog';
import { SubmitError } from '../submit-error';
import { TaskTools, toolKey, type ToolActions } from '../task-tools';

import { ReplyComposer } from './reply-composer';
import { ReviewForm } from './review-form';
import { SiblingRanking } from './sibling-ranking';
import { TreeConversation } from './tree-conversation';

/** How a tree task ended: the route picks the next one either way. */
export type TreeTaskOutcome = 'submitted' | 'skipped' | 'closed';

const TASK_TITLE: Record<TreeTaskKind, string> = {
  initial_prompt: 'Start a conversation',
  assistant_reply: 'Reply as the assistant',
  prompter_reply: 'Reply as the user',
  review: 'Review a message',
  rank: 'Rank the replies',
};

export function treeShortcuts(kind: TreeTaskKind): Shortcut[] {
  const list: Shortcut[] = [];
  if (isWriteKind(kind)) list.push({ keys: ['Ctrl+Enter'], what: 'submit from inside the text box' });
  if (kind === 'review') {
    list.push({ keys: ['Y', 'N'], what: 'the message is acceptable / not acceptable' });
    list.push({ keys: ['Space'], what: 'toggle the focused flag' }, { keys: ['←', '→'], what: 'pick a value on the focused scale' });
  }
  if (kind === 'rank') {
    list.push({ keys: ['Enter'], what: 'on a reply not ranked yet: rank it next' });
    list.push({ keys: ['1', '…', '9'], what: 'on a reply: put it at that position' });
    list.push({ keys: ['Alt+↑', 'Alt+↓'], what: 'move the focused reply up or down' });
    list.push({ keys: ['Delete'], what: 'take the focused reply out of the ranking' });
    list.push({ keys: ['T'], what: 'tie the focused reply with the one above' });
    list.push({ keys: ['Space'], what: 'on a ⠿ handle: pick up, move with arrows, Space again to drop' });
  }
  if (!isWriteKind(kind)) list.push({ keys: ['Enter'], what: 'submit when the answer is complete' });
  list.push({ keys: ['Tab'], what: 'next control (Shift+Tab: previous)' });
  list.push({ keys: ['G'], what: 'guidelines' }, { keys: ['S'], what: 'skip this task' }, { keys: ['?'], what: 'show or hide this list' });
  return list;
}

type TreeTaskViewProps = {
  task: TreeTask;
  /** The next task is being fetched: freeze the screen. */
  busy: boolean;
  onFinished: (outcome: TreeTaskOutcome) => void;
};

/** One tree task, from first paint to a stored answer. Remount (key) it for every new task. */
export function TreeTaskView({ task, busy, onFinished }: TreeTaskViewProps) {
  const slug = task.campaign.slug;
  const { kind, questions, replies } = task;
  const clientKey = `tree:${task.id}`;
  const [clientId] = useState(() => getOrCreateClientId(clientKey));
  const [shownAt] = useState(() => performance.now());
  const [text, setText] = useState('');
  const [acceptable, setAcceptable] = useState<boolean | null>(null);
  const [drafts, setDrafts] = useState<Drafts>(() => initDrafts(questions, REVIEW_CONTEXT));
  const [rankDraft, setRankDraft] = useState<RankingDraft>(() => ranking.init(RANK_QUESTION, rankContext(replies)));
  const [attempted, setAttempted] = useState(false);
  const [rejected, setRejected] = useState<Record<string, Issue[]>>({});
  const [lastBody, setLastBody] = useState<TreeSubmitBody | null>(null);
  const [done, setDone] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [skipOpen, setSkipOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const inFlight = useRef(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const labelIssues = useMemo(
    () => Object.fromEntries(questions.map((q) => [q.id, validateQuestion(q, drafts[q.id], REVIEW_CONTEXT)])) as Record<string, Issue[]>,
    [questions, drafts],
  );

  let problem: string | null = null;
  if (isWriteKind(kind)) problem = lengthIssue(text, task.guidance);
  else if (kind === 'review') {
    if (acceptable === null) problem = 'Say whether the message is acceptable.';
    else if (questions.some((q) => labelIssues[q.id].length > 0)) problem = 'Fix the marked labels.';
  } else if (kind === 'rank') {
    const rankIssue = ranking.validate(RANK_QUESTION, rankDraft, rankContext(replies))[0];
    if (replies.length < 2) problem = 'There is nothing to rank: skip this task.';
    else if (rankIssue) problem = `${describeIssue(RANK_QUESTION, rankIssue)}.`;
  }
  const complete = problem === null;

  const finish = (outcome: TreeTaskOutcome) => {
    forgetClientId(clientKey);
    setDone(true);
    onFinished(outcome);
  };

  const submit = useSubmitTreeTask({
    mutationConfig: {
      onSuccess: () => finish('submitted'),
      onError: (error) => {
        if (isApiError(error, 'tree_task_closed') || isApiError(error, 'tree_task_not_found')) finish('closed');
        else if (isApiError(error, 'invalid_answer')) setRejected(serverIssues(error.details));
      },
      onSettled: () => {
        inFlight.current = false;
      },
    },
  });

  const skip = useSkipTreeTask({
    mutationConfig: {
      onSuccess: () => {
        setSkipOpen(false);
        finish('skipped');
      },
      onError: (error) => {
        if (isApiError(error, 'tree_task_closed')) {
          setSkipOpen(false);
          finish('closed');
        }
      },
    },
  });

  const locked = busy || done || submit.isPending || skip.isPending;

  useEffect(() => {
    window.scrollTo?.({ top: 0 });
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  const send = (body: TreeSubmitBody) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setLastBody(body);
    setRejected({});
    submit.mutate({ slug, taskId: task.id, body });
  };

  const answer = (): TreeAnswer | null => {
    if (isWriteKind(kind)) return writeAnswer(kind, text);
    if (kind === 'review' && acceptable !== null) return reviewAnswer(acceptable, questions, drafts);
    if (kind === 'rank') return rankAnswer(rankDraft, replies);
    return null;
  };

  const trySubmit = () => {
    if (locked || inFlight.current) return;
    const built = complete ? answer() : null;
    if (!built) {
      setAttempted(true);
      return;
    }
    // The same client_id on every attempt: the server applies the answer once.
    send({ client_id: clientId, answer: built, time_spent_ms: Math.max(0, Math.round(performance.now() - shownAt)) });
  };

  const edit = <T,>(setter: (value: T) => void) => (value: T) => {
    if (locked || inFlight.current) return;
    setter(value);
  };
  const setDraft = (questionId: string, draft: Draft) => {
    if (locked || inFlight.current) return;
    setDrafts((d) => ({ ...d, [questionId]: draft }));
    setRejected((r) => (r[questionId] ? { ...r, [questionId]: [] } : r));
  };

  const tools: ToolActions = {
    onGuidelines: () => setGuidelinesOpen(true),
    onToggleHelp: () => setHelpOpen((open) => !open),
    onSkip: () => setSkipOpen(true),
  };
  const dialogOpen = guidelinesOpen || skipOpen;
  useTaskShortcuts(!dialogOpen, (key, event) => {
    if (toolKey(key, locked, tools)) return true;
    if (locked) return false;
    if (kind === 'review' && (key === 'y' || key === 'n')) {
      setAcceptable(key === 'y');
      return true;
    }
    if (key === 'enter' && !isWriteKind(kind) && !isActivatable(event.target)) {
      trySubmit();
      return true;
    }
    return false;
  });

  const submitError = submit.error && !isApiError(submit.error, 'tree_task_closed') ? submit.error : null;
  // Details naming no label question (`answer.text`, `answer.ranking`) are grouped under "".
  const general = rejected[''] ?? [];
  const status = submitStatus({ saved: done || busy, pending: submit.isPending, failureCount: submit.failureCount });
  const focus = kind === 'review' ? 'review' : kind === 'initial_prompt' ? 'none' : 'reply';

  return (
    <div className="task tree-task" data-testid="tree-task" data-task-id={task.id} data-kind={kind} aria-busy={locked}>
      <header className="task__header">
        <div className="task__title">
          <Link to="/annotate" className="back-link">
            ← Campaigns
          </Link>
          <h1 ref={headingRef} tabIndex={-1}>
            {TASK_TITLE[kind]}
          </h1>
          <p className="task-progress">
            {task.campaign.name} · language <span className="mono">{task.lang}</span>
          </p>
        </div>
        <TaskTools helpOpen={helpOpen} locked={locked} {...tools} />
      </header>

      {helpOpen ? <KeyboardHelp id="keyboard-help" shortcuts={treeShortcuts(kind)} /> : null}

      <TreeConversation messages={task.conversation} focus={focus} />

      <section className="answer-bar" aria-label="Your answer">
        {isWriteKind(kind) ? (
          <ReplyComposer
            kind={kind}
            guidance={task.guidance}
            value={text}
            disabled={locked}
            serverIssue={general.map((i) => i.message).join('; ') || undefined}
            onChange={edit(setText)}
            onSubmitShortcut={trySubmit}
          />
        ) : kind === 'review' ? (
          <ReviewForm
            questions={questions}
            acceptable={acceptable}
            drafts={drafts}
            issues={labelIssues}
            rejected={rejected}
            attempted={attempted}
            disabled={locked}
            onAcceptable={edit(setAcceptable)}
            onDraft={setDraft}
            onSubmitShortcut={trySubmit}
          />
        ) : (
          <SiblingRanking replies={replies} draft={rankDraft} disabled={locked} onChange={edit(setRankDraft)} />
        )}
        {submitError ? (
          <SubmitError
            error={submitError}
            general={isWriteKind(kind) ? undefined : general}
            invalidTitle="Your answer was not saved — please fix it."
            locked={locked}
            onRetry={() => lastBody && send(lastBody)}
            onAbandon={() => finish('closed')}
          />
        ) : null}
        <div className="submit-bar">
          <button
            type="button"
            className="button button--primary submit-bar__button"
            data-testid="tree-submit"
            aria-keyshortcuts={isWriteKind(kind) ? 'Control+Enter' : 'Enter'}
            aria-describedby="tree-submit-status"
            disabled={!complete || locked}
            onClick={trySubmit}
          >
            Submit <kbd aria-hidden="true">{isWriteKind(kind) ? 'Ctrl+Enter' : 'Enter'}</kbd>
          </button>
          <span id="tree-submit-status" className="submit-bar__status" data-testid="tree-submit-status">
            {problem ?? 'Ready to submit.'}
          </span>
        </div>
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
          onConfirm={(reason) => skip.mutate({ slug, taskId: task.id, body: { reason } })}
          onCancel={() => {
            skip.reset();
            setSkipOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}
