import { useContext, useState } from 'react';

import type { CampaignSpec, SubmitJudgmentBody, Task } from '@/lib/api-types';

import type { SampleItem } from './api/get-spec-templates';
import { TaskPreviewContext } from './task-preview-context';

const LABELS = 'ABCDEFGH';

type TreeSettings = NonNullable<CampaignSpec['trees']>;

/**
 * The task an annotator of `spec` would get for `sample`: as many candidates as a task shows. In a
 * tree campaign the sample's first candidate is the assistant's reply under review, the last
 * message of the conversation, which the labels questions are about.
 */
export function previewTask(spec: CampaignSpec, sample: SampleItem): Task {
  const shown = spec.questions.some((q) => q.kind === 'pairwise') ? 2 : (spec.max_candidates_shown ?? 4);
  const base = {
    assignment_id: 0,
    item_id: 0,
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    campaign: { slug: spec.slug, name: spec.name, guidelines: spec.guidelines ?? '' },
    questions: spec.questions,
    display: spec.display,
  };
  if (spec.trees) {
    const reply = sample.candidates[0];
    return { ...base, context: [...sample.context, { role: 'assistant', content: reply }], candidates: [] };
  }
  return {
    ...base,
    context: sample.context,
    candidates: sample.candidates.slice(0, shown).map((content, i) => ({ label: LABELS[i], content })),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How a tree of this campaign grows, task by task, with the settings that govern each step. */
function TreeSteps({ trees }: { trees: TreeSettings }) {
  const reviews = (n: number) => (n === 0 ? 'accepted without review' : `${plural(n, 'review')}, accepted at ${Math.round(trees.acceptance_threshold * 100)}% "acceptable"`);
  return (
    <section className="card" aria-label="How trees grow">
      <h3>How a tree grows</h3>
      <ol data-testid="tree-steps">
        <li>
          <strong>Start a conversation</strong>: an annotator writes a prompt ({trees.lang}, {trees.reply_min_length}–
          {trees.reply_max_length} characters); {reviews(trees.reviews_needed_prompt)}.
        </li>
        <li>
          <strong>Reply as the assistant</strong> and <strong>reply as the user</strong>, in turns: up to {plural(trees.max_children, 'reply', 'replies')}{' '}
          per message, {plural(trees.max_depth, 'turn')} deep
          {trees.model_replies ? `; models add replies too (${trees.model_replies.models.join(', ')})` : ''}.
        </li>
        <li>
          <strong>Review a message</strong>: others say whether each reply is acceptable and answer the labels below;{' '}
          {reviews(trees.reviews_needed_reply)}.
        </li>
        <li>
          <strong>Rank the replies</strong> once the tree has {plural(trees.goal_tree_size, 'accepted message')}:{' '}
          {plural(trees.rankings_needed, 'ranking')} per set of sibling replies, combined by {trees.consensus.replace(/_/g, ' ')}.
        </li>
        <li>Then the tree is ready for export (format: conversation trees).</li>
      </ol>
    </section>
  );
}

type SpecPreviewProps = {
  /** The last spec the server found valid, with its defaults. */
  spec: CampaignSpec | undefined;
  sample: SampleItem;
  /** The spec being edited is not valid: the preview shows the last one that was. */
  stale: boolean;
};

/**
 * The annotator's task screen itself (keyboard shortcuts included) on a sample item; a
 * submission shows the answers that would be stored instead of sending them.
 */
export function SpecPreview({ spec, sample, stale }: SpecPreviewProps) {
  const [submitted, setSubmitted] = useState<{ key: string; body: SubmitJudgmentBody | null } | null>(null);
  const [round, setRound] = useState(0);
  const TaskPreview = useContext(TaskPreviewContext);
  if (!TaskPreview) return null;
  if (!spec) return <p className="muted">The preview appears once the spec is valid.</p>;
  // A changed spec is a new task: the screen starts over with fresh answers.
  const key = `${JSON.stringify(spec)}#${round}`;
  const finished = submitted?.key === key;
  return (
    <div className="builder-preview" data-testid="builder-preview">
      {stale ? (
        <p className="muted" role="status">
          Showing the last valid spec; fix the problems to see your changes.
        </p>
      ) : null}
      {spec.trees ? (
        <>
          <TreeSteps trees={spec.trees} />
          <p className="muted">
            The review of a message on the sample conversation: the last message is the one under review, with the labels its questions ask.
          </p>
        </>
      ) : null}
      {finished ? (
        <div className="card" role="status" aria-label="Preview answers">
          <p>Submitted in the preview (nothing was stored). The answers would be:</p>
          <pre data-testid="preview-answers">{JSON.stringify(submitted.body?.answers ?? null, null, 2)}</pre>
          <button type="button" className="button" onClick={() => setRound((r) => r + 1)}>
            Show the task again
          </button>
        </div>
      ) : (
        <TaskPreview key={key} task={previewTask(spec, sample)} onFinished={(_, body) => setSubmitted({ key, body: body ?? null })} />
      )}
    </div>
  );
}
