import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { OwnJudgment } from '@/lib/api-types';

import { MY_JUDGMENTS_PAGE, useMyJudgments } from '../api/get-my-judgments';

/** One answer in a few words: a choice, a rating, a text; anything else as compact JSON. */
export function describeAnswer(answer: unknown): string {
  if (answer === null || typeof answer !== 'object') return String(answer);
  const fields = answer as Record<string, unknown>;
  for (const key of ['choice', 'value', 'rating', 'label', 'text', 'order']) {
    const value = fields[key];
    if (value !== undefined && value !== null) return Array.isArray(value) ? value.join(' > ') : String(value);
  }
  return JSON.stringify(answer);
}

function JudgmentRow({ judgment }: { judgment: OwnJudgment }) {
  return (
    <li className="card" data-testid={`my-judgment-${judgment.id}`}>
      <p className="muted">
        {new Date(judgment.created_at).toLocaleString()}
        {judgment.revision > 0 ? <span className="badge">revision {judgment.revision}</span> : null}
      </p>
      <p>{judgment.prompt_excerpt || <span className="muted">(no text prompt)</span>}</p>
      <dl className="summary">
        {Object.entries(judgment.answers).map(([question, answer]) => (
          <div key={question}>
            <dt>{question}</dt>
            <dd>{describeAnswer(answer)}</dd>
          </div>
        ))}
      </dl>
    </li>
  );
}

/**
 * The annotator's own past judgments in one campaign. Read-only: the API lets an annotator undo
 * their last submission shortly after (on the task screen) but has no route to revise an older one.
 */
export function MyJudgmentsRoute() {
  const slug = useParams().slug ?? '';
  const [offset, setOffset] = useState(0);
  const judgments = useMyJudgments(slug, offset);
  const rows = judgments.data ?? [];
  return (
    <main className="page">
      <p>
        <Link to="/annotate">← Your campaigns</Link>
      </p>
      <h1>Your judgments</h1>
      {judgments.isPending ? <Loading /> : null}
      {judgments.error ? <ErrorMessage error={judgments.error} /> : null}
      {judgments.data && rows.length === 0 ? <p className="muted">You have not judged anything here yet.</p> : null}
      {rows.length > 0 ? (
        <>
          <ol className="stack" aria-label="Your judgments" start={offset + 1}>
            {rows.map((judgment) => (
              <JudgmentRow key={judgment.id} judgment={judgment} />
            ))}
          </ol>
          <nav className="form__actions" aria-label="Pages of judgments">
            <button type="button" className="button button--small" disabled={offset === 0} onClick={() => setOffset(offset - MY_JUDGMENTS_PAGE)}>
              Earlier
            </button>
            <button
              type="button"
              className="button button--small"
              disabled={rows.length < MY_JUDGMENTS_PAGE || judgments.isPlaceholderData}
              onClick={() => setOffset(offset + MY_JUDGMENTS_PAGE)}
            >
              Later
            </button>
          </nav>
        </>
      ) : null}
    </main>
  );
}
