import { useContext, useState } from 'react';

import type { CampaignSpec, SubmitJudgmentBody, Task } from '@/lib/api-types';

import type { SampleItem } from './api/get-spec-templates';
import { TaskPreviewContext } from './task-preview-context';

const LABELS = 'ABCDEFGH';

/** The task an annotator of `spec` would get for `sample`: as many candidates as a task shows. */
export function previewTask(spec: CampaignSpec, sample: SampleItem): Task {
  const shown = spec.questions.some((q) => q.kind === 'pairwise') ? 2 : (spec.max_candidates_shown ?? 4);
  return {
    assignment_id: 0,
    item_id: 0,
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    campaign: { slug: spec.slug, name: spec.name, guidelines: spec.guidelines ?? '' },
    context: sample.context,
    candidates: sample.candidates.slice(0, shown).map((content, i) => ({ label: LABELS[i], content })),
    questions: spec.questions,
  };
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
        <p className="muted">A tree campaign: this is the review of a message, with the labels its questions ask.</p>
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
