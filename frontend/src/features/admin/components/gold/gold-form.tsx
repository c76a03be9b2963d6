import { type FormEvent, useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError } from '@/lib/api-client';
import type { BrowsedCandidate, Part } from '@/lib/api-types';

import { useClearItemGold } from '../../api/clear-item-gold';
import type { ItemGoldState } from '../../api/get-item-gold';
import { useSaveItemGold } from '../../api/save-item-gold';
import { draftFrom, expectedFrom, type GoldQuestion, LETTERS, type QuestionDraft } from './gold-draft';
import { GoldQuestionFields } from './gold-question-fields';

const MAX_FEEDBACK = 2000;
const PREVIEW_CHARS = 120;

type GoldFormProps = {
  slug: string;
  itemId: number;
  questions: GoldQuestion[];
  candidates: BrowsedCandidate[];
  gold: ItemGoldState;
};

/** What a candidate says, shortened, so the researcher knows which letter is which. */
function preview(parts: Part[]): string {
  const text = parts
    .map((part) => (part.type === 'text' ? part.text : `[${part.type}${'alt' in part && part.alt ? `: ${part.alt}` : ''}]`))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/**
 * Marks the item gold with the expected answer per question and feedback, or makes it ordinary
 * again. Saving re-scores the judgments the item already has (the server does, at once).
 */
export function GoldForm({ slug, itemId, questions, candidates, gold }: GoldFormProps) {
  const letters = [...candidates].sort((a, b) => a.position - b.position).map((c) => LETTERS[c.position]);
  const [draft, setDraft] = useState(() => draftFrom(questions, letters, gold.expected, gold.feedback));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const save = useSaveItemGold();
  const clear = useClearItemGold();

  const change = (qid: string, patch: Partial<QuestionDraft>) => {
    setDraft((d) => ({ ...d, questions: { ...d.questions, [qid]: { ...d.questions[qid], ...patch } } }));
    setDone(null);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const { expected, problems: found } = expectedFrom(questions, draft, letters);
    setProblems(found);
    if (Object.keys(found).length) return;
    clear.reset();
    save.mutate(
      { slug, itemId, expected, feedback: draft.feedback.trim() ? draft.feedback : null },
      { onSuccess: (changed) => setDone(`Saved: the item is gold; ${rescored(changed.rescored)} re-scored.`) },
    );
  };

  const onClear = () => {
    save.reset();
    clear.mutate(
      { slug, itemId },
      {
        onSuccess: (changed) => {
          setDraft(draftFrom(questions, letters, null, null));
          setProblems({});
          setDone(`An ordinary item again; ${rescored(changed.rescored)} no longer scored.`);
        },
      },
    );
  };

  const error = save.error ?? clear.error;
  const details = isApiError(error) && Array.isArray(error.details) ? (error.details as { field?: string; message?: string }[]) : [];
  return (
    <form className="stack" aria-label="Gold answer" onSubmit={onSubmit} noValidate>
      <p data-testid="gold-state">
        {gold.is_gold
          ? gold.expected
            ? 'Gold: answers are scored against the expected answers below.'
            : 'Gold, with no expected answers: nothing is scored.'
          : 'An ordinary item. Tick the questions to check and give the expected answers to make it gold.'}
      </p>
      <ol className="stack" aria-label="Candidates by import letter" style={{ listStyle: 'none', paddingLeft: 0 }}>
        {[...candidates]
          .sort((a, b) => a.position - b.position)
          .map((c) => (
            <li key={c.id} data-testid={`gold-candidate-${LETTERS[c.position]}`}>
              <strong>{LETTERS[c.position]}</strong> — {preview(c.content) || <span className="muted">(no text)</span>}
            </li>
          ))}
      </ol>
      {questions.map((question) => {
        const questionDraft = draft.questions[question.id];
        return (
          <fieldset key={question.id} className="fieldset" aria-label={`Expected answer: ${question.id}`}>
            <legend>
              {question.prompt} <span className="muted mono">({question.kind} · {question.id})</span>
            </legend>
            <label className="checkbox">
              <input type="checkbox" checked={questionDraft.checked} onChange={(e) => change(question.id, { checked: e.target.checked })} />
              Check answers to this question
            </label>
            {questionDraft.checked ? (
              <GoldQuestionFields question={question} letters={letters} draft={questionDraft} onChange={(patch) => change(question.id, patch)} />
            ) : null}
            {problems[question.id] ? (
              <p className="field__error" role="alert">
                {problems[question.id]}
              </p>
            ) : null}
          </fieldset>
        );
      })}
      <label className="field">
        Feedback
        <textarea
          rows={3}
          maxLength={MAX_FEEDBACK}
          value={draft.feedback}
          onChange={(e) => {
            setDraft((d) => ({ ...d, feedback: e.target.value }));
            setDone(null);
          }}
        />
        <small>Shown to an annotator after a qualification answer; optional.</small>
      </label>
      {error ? (
        <ErrorMessage error={error}>
          {details.length > 1 ? (
            <ul>
              {details.map((d, i) => (
                <li key={i}>
                  <span className="mono">{d.field}</span>: {d.message}
                </li>
              ))}
            </ul>
          ) : null}
        </ErrorMessage>
      ) : null}
      {done ? <p role="status">{done}</p> : null}
      <div className="form__actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {gold.is_gold ? 'Save gold answer' : 'Mark as gold'}
        </button>
        {gold.is_gold ? (
          <button type="button" className="button button--danger" disabled={clear.isPending} onClick={onClear}>
            Make it an ordinary item
          </button>
        ) : null}
      </div>
    </form>
  );
}

const rescored = (n: number) => (n === 1 ? '1 judgment' : `${n} judgments`);
