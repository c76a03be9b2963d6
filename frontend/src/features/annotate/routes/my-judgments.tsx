import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { OwnJudgment } from '@/lib/api-types';

import { MY_JUDGMENTS_PAGE, useMyJudgments } from '../api/get-my-judgments';

import type { RevisedState } from './revise-judgment';

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

function JudgmentRow({ slug, judgment, fresh }: { slug: string; judgment: OwnJudgment; fresh: boolean }) {
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (fresh) ref.current?.scrollIntoView?.({ block: 'center' });
  }, [fresh]);
  const classes = ['card', judgment.latest ? '' : 'card--muted', fresh ? 'card--highlight' : ''].filter(Boolean).join(' ');
  return (
    <li ref={ref} className={classes} data-testid={`my-judgment-${judgment.id}`} aria-current={fresh ? 'true' : undefined}>
      <p className="muted">
        {new Date(judgment.created_at).toLocaleString()}
        {judgment.revision > 0 ? <span className="badge">revision {judgment.revision}</span> : null}
        {judgment.latest ? null : <span className="badge">replaced by a later revision</span>}
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
      {judgment.latest ? (
        <p className="form__actions">
          <Link
            className="button button--small"
            to={`/annotate/${slug}/judgments/${judgment.id}/revise`}
            aria-label={`Revise your answer to: ${judgment.prompt_excerpt || `judgment ${judgment.id}`}`}
          >
            Revise
          </Link>
        </p>
      ) : null}
    </li>
  );
}

/**
 * The annotator's own past judgments in one campaign, an item's revisions together. The latest
 * revision of each can be revised (the task screen opens on it with its answers filled in); the
 * answer just revised is highlighted on the way back.
 */
export function MyJudgmentsRoute() {
  const slug = useParams().slug ?? '';
  const [offset, setOffset] = useState(0);
  const judgments = useMyJudgments(slug, offset);
  const rows = judgments.data ?? [];
  const back = (useLocation().state ?? {}) as RevisedState;
  return (
    <main className="page">
      <p>
        <Link to="/annotate">← Your campaigns</Link>
      </p>
      <h1>Your judgments</h1>
      {back.revised ? (
        <div className="alert alert--info" role="status">
          Saved: your new answer is revision {back.revised.revision}.
        </div>
      ) : back.kept ? (
        <div className="alert alert--info" role="status">
          Your answer was kept as it was.
        </div>
      ) : null}
      {judgments.isPending ? <Loading /> : null}
      {judgments.error ? <ErrorMessage error={judgments.error} /> : null}
      {judgments.data && rows.length === 0 ? <p className="muted">You have not judged anything here yet.</p> : null}
      {rows.length > 0 ? (
        <>
          <ol className="stack" aria-label="Your judgments" start={offset + 1}>
            {rows.map((judgment) => (
              <JudgmentRow key={judgment.id} slug={slug} judgment={judgment} fresh={judgment.id === back.revised?.judgmentId} />
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
