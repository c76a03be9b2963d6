import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useFlaggedTreeMessages } from '../api/get-flagged-tree-messages';
import { describeLabels, TREE_ROLE_LABEL } from '../utils/trees';

import { DataTable } from './data-table';
import { StatusBadge } from './status-badge';

/** Messages reviewers flagged or rejected, newest first, each linking to its tree. */
export function FlaggedMessages({ slug, onOpenTree }: { slug: string; onOpenTree: (treeId: number) => void }) {
  const flagged = useFlaggedTreeMessages(slug);
  const messages = flagged.data?.messages ?? [];
  return (
    <section aria-labelledby="flagged-title" data-testid="flagged-messages">
      <h3 id="flagged-title">Flagged messages</h3>
      {flagged.isPending ? <Loading /> : null}
      {flagged.error ? <ErrorMessage error={flagged.error} /> : null}
      {flagged.data && messages.length === 0 ? <p className="muted">No message has been flagged or rejected.</p> : null}
      {messages.length > 0 ? (
        <DataTable headings={['Message', 'Text', 'Review', 'Flags', 'Tree']}>
          {messages.map((m) => (
            <tr key={m.id} data-testid={`flagged-${m.id}`}>
              <td>
                <span className="mono">#{m.id}</span> {TREE_ROLE_LABEL[m.role] ?? m.role}
                {m.deleted ? <span className="badge badge--failed">deleted</span> : null}
              </td>
              <td>{m.text}</td>
              <td>
                <StatusBadge status={m.review_state} />
              </td>
              <td>{describeLabels(m.flags) || '—'}</td>
              <td>
                <button type="button" className="button button--small" onClick={() => onOpenTree(m.tree_id)}>
                  Open tree #{m.tree_id}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}
