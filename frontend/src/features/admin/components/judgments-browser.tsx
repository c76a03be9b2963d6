import { useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useBrowseJudgments } from '../api/browse-judgments';
import { useKeysetPages } from '../utils/keyset-pages';
import { JudgmentRows } from './judgment-rows';
import { KeysetPager } from './keyset-pager';

const PSEUDONYM = /^ann-[0-9a-f]{16}$/;

/** The campaign's judgments, newest revision and older ones alike, filterable by annotator (pseudonym). */
export function JudgmentsBrowser({
  slug,
  annotator,
  onAnnotator,
}: {
  slug: string;
  annotator: string | null;
  onAnnotator: (annotator: string | null) => void;
}) {
  const [draft, setDraft] = useState(annotator ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = draft.trim();
    if (value && !PSEUDONYM.test(value)) {
      setProblem('An annotator is named by a pseudonym such as ann-0123456789abcdef.');
      return;
    }
    setProblem(null);
    onAnnotator(value || null);
  };
  return (
    <section className="stack" aria-label="Judgments">
      <form className="form form--inline" aria-label="Judgment filters" onSubmit={submit}>
        <div className="field">
          <label htmlFor="filter-annotator">Annotator</label>
          <input
            id="filter-annotator"
            className="mono"
            value={draft}
            placeholder="ann-…"
            aria-invalid={problem !== null}
            aria-describedby={problem ? 'filter-annotator-error' : undefined}
            onChange={(e) => setDraft(e.target.value)}
          />
          {problem ? (
            <small id="filter-annotator-error" className="field__error">
              {problem}
            </small>
          ) : null}
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary">
            Show
          </button>
          {annotator ? (
            <button
              type="button"
              className="button"
              onClick={() => {
                setDraft('');
                onAnnotator(null);
              }}
            >
              Everyone
            </button>
          ) : null}
        </div>
      </form>
      <JudgmentsTable key={annotator ?? ''} slug={slug} annotator={annotator} />
    </section>
  );
}

function JudgmentsTable({ slug, annotator }: { slug: string; annotator: string | null }) {
  const pages = useKeysetPages();
  const judgments = useBrowseJudgments(slug, annotator, pages.after);
  const page = judgments.data;
  return (
    <>
      {judgments.isPending ? <Loading /> : null}
      {judgments.error ? <ErrorMessage error={judgments.error} /> : null}
      {page && page.judgments.length === 0 ? <p className="muted">No judgments{annotator ? ` by ${annotator}` : ''}.</p> : null}
      {page && page.judgments.length > 0 ? <JudgmentRows slug={slug} judgments={page.judgments} withItem /> : null}
      <KeysetPager label="Judgment pages" pages={pages} nextAfter={page?.next_after} busy={judgments.isPlaceholderData} />
    </>
  );
}
