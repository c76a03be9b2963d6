import type { KeysetPages } from '../utils/keyset-pages';

/** Previous / Next over keyset pages; `nextAfter` is the page's cursor (null on the last page). */
export function KeysetPager({
  label,
  pages,
  nextAfter,
  busy,
}: {
  label: string;
  pages: KeysetPages;
  nextAfter: number | null | undefined;
  busy: boolean;
}) {
  if (!pages.hasPrevious && (nextAfter === null || nextAfter === undefined)) return null;
  return (
    <nav className="form__actions" aria-label={label}>
      <button type="button" className="button button--small" disabled={!pages.hasPrevious || busy} onClick={pages.previous}>
        Previous
      </button>
      <span aria-live="polite">Page {pages.pageNumber}</span>
      <button
        type="button"
        className="button button--small"
        disabled={nextAfter === null || nextAfter === undefined || busy}
        onClick={() => nextAfter != null && pages.next(nextAfter)}
      >
        Next
      </button>
    </nav>
  );
}
