import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { TreeList, TreeState } from '@/lib/api-types';

import { TREE_PAGE, useCampaignTrees } from '../api/get-campaign-trees';
import { formatDate } from '../utils/format';
import { stateLabel, TREE_STATES } from '../utils/trees';

import { FlaggedMessages } from './flagged-messages';
import { DataTable } from './data-table';
import { StatusBadge } from './status-badge';
import { TreeView } from './tree-view';

/** How many trees the filter matches: `counts` covers the whole campaign, one entry per state. */
const treeTotal = (counts: TreeList['counts'], state: TreeState | null) =>
  state ? (counts[state] ?? 0) : Object.values(counts).reduce((sum, n) => sum + n, 0);

/** A tree campaign's trees: counts by state, the list (filterable, a page at a time), one tree opened, flagged messages. */
export function TreesPanel({ slug }: { slug: string }) {
  const [state, setState] = useState<TreeState | null>(null);
  const [offset, setOffset] = useState(0);
  const [openId, setOpenId] = useState<number | null>(null);
  const trees = useCampaignTrees(slug, state, offset);
  const counts = trees.data?.counts ?? {};
  const total = treeTotal(counts, state);
  const shown = trees.data?.trees.length ?? 0;
  return (
    <section className="card stack" aria-labelledby="trees-title" data-testid="trees-panel">
      <h2 id="trees-title">Trees</h2>
      <ul className="tree-counts" aria-label="Trees by state" data-testid="tree-counts">
        {TREE_STATES.map((s) => (
          <li key={s}>
            <StatusBadge status={s} /> {stateLabel(s)}: <strong>{counts[s] ?? 0}</strong>
          </li>
        ))}
      </ul>
      <div className="field field--short">
        <label htmlFor="tree-state-filter">Show</label>
        <select
          id="tree-state-filter"
          value={state ?? ''}
          onChange={(e) => {
            setState((e.target.value || null) as TreeState | null);
            setOffset(0);
          }}
        >
          <option value="">every state</option>
          {TREE_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
      </div>
      {trees.isPending ? <Loading /> : null}
      {trees.error ? <ErrorMessage error={trees.error} /> : null}
      {trees.data && shown === 0 ? (
        <p className="muted">{offset > 0 ? 'No trees on this page.' : `No trees${state ? ` ${stateLabel(state)}` : ''} yet.`}</p>
      ) : null}
      {trees.data && shown > 0 ? (
        <DataTable label="Trees" headings={['Tree', 'State', 'Size', 'Prompt', 'Started']}>
          {trees.data.trees.map((tree) => (
            <tr key={tree.id} data-testid={`tree-row-${tree.id}`}>
              <td>
                <button
                  type="button"
                  className="button button--small"
                  aria-pressed={openId === tree.id}
                  onClick={() => setOpenId(tree.id)}
                >
                  Open #{tree.id}
                </button>
              </td>
              <td>
                <StatusBadge status={tree.state} />
              </td>
              <td>{tree.size}</td>
              <td>{tree.prompt || <span className="muted">(empty)</span>}</td>
              <td>{formatDate(tree.created_at)}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {trees.data && (offset > 0 || total > TREE_PAGE) ? (
        <nav className="form__actions" aria-label="Tree pages">
          <button
            type="button"
            className="button button--small"
            disabled={offset === 0 || trees.isPlaceholderData}
            onClick={() => setOffset(Math.max(0, offset - TREE_PAGE))}
          >
            Previous
          </button>
          {shown > 0 ? (
            <span aria-live="polite">
              Trees {offset + 1}–{Math.min(offset + TREE_PAGE, total)} of {total}
            </span>
          ) : null}
          <button
            type="button"
            className="button button--small"
            disabled={offset + TREE_PAGE >= total || trees.isPlaceholderData}
            onClick={() => setOffset(offset + TREE_PAGE)}
          >
            Next
          </button>
        </nav>
      ) : null}
      {openId !== null ? <TreeView key={openId} slug={slug} treeId={openId} onClose={() => setOpenId(null)} /> : null}
      <FlaggedMessages slug={slug} onOpenTree={setOpenId} />
    </section>
  );
}
