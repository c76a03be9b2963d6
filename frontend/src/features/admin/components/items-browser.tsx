import { Link, useLocation } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useBrowseItems, type ItemFilters } from '../api/browse-items';
import { useKeysetPages } from '../utils/keyset-pages';
import { DataTable } from './data-table';
import { ItemFilterBar } from './item-filter-bar';
import { KeysetPager } from './keyset-pager';
import { StatusBadge } from './status-badge';

/** The campaign's items, filtered, a keyset page at a time; each opens its detail page. */
export function ItemsBrowser({ slug, filters, onFilters }: { slug: string; filters: ItemFilters; onFilters: (f: ItemFilters) => void }) {
  const filterKey = JSON.stringify(filters);
  return (
    <section className="stack" aria-label="Items">
      <ItemFilterBar key={`bar-${filterKey}`} filters={filters} onApply={onFilters} />
      {/* New filters start again at page 1. */}
      <ItemsTable key={`table-${filterKey}`} slug={slug} filters={filters} />
    </section>
  );
}

function ItemsTable({ slug, filters }: { slug: string; filters: ItemFilters }) {
  const pages = useKeysetPages();
  const items = useBrowseItems(slug, filters, pages.after);
  const location = useLocation();
  const page = items.data;
  return (
    <>
      {items.isPending ? <Loading /> : null}
      {items.error ? <ErrorMessage error={items.error} /> : null}
      {page && page.total !== null ? (
        <p className="muted" aria-live="polite">
          {page.total} {page.total === 1 ? 'item matches' : 'items match'}
        </p>
      ) : null}
      {page && page.items.length === 0 ? (
        <p className="muted">
          {page.next_after === null ? 'No items match these filters.' : 'None in the items read so far: Next reads on.'}
        </p>
      ) : null}
      {page && page.items.length > 0 ? (
        <DataTable
          label="Items"
          headings={['Item', 'Status', 'Round', 'Gold', 'Candidates', 'Judgments', 'Disagreement', 'Prompt', 'Not served because']}
        >
          {page.items.map((item) => (
            <tr key={item.id} data-testid={`item-row-${item.id}`}>
              <td>
                <Link to={`/admin/campaigns/${slug}/data/items/${item.id}`} state={{ from: location.search }}>
                  {item.external_id}
                </Link>
              </td>
              <td>
                <StatusBadge status={item.status} />
              </td>
              <td>{item.round}</td>
              <td>{item.is_gold ? 'gold' : ''}</td>
              <td>{item.n_candidates}</td>
              <td>
                {item.n_judgments} of {item.wanted}
              </td>
              <td title="0: all agree; 1: votes spread evenly">{item.has_disagreement ? `disagree (${item.disagreement.toFixed(2)})` : ''}</td>
              <td>{item.prompt_preview || <span className="muted">(no text)</span>}</td>
              <td>{item.not_served_because ?? <span className="muted">served</span>}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <KeysetPager label="Item pages" pages={pages} nextAfter={page?.next_after} busy={items.isPlaceholderData} />
    </>
  );
}
