import { useState, type FormEvent } from 'react';

import { Markdown } from '@/components/markdown';
import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { TreeDetail, TreeNode } from '@/lib/api-types';
import { plainText } from '@/lib/content';

import { useDeleteTreeMessage } from '../api/delete-tree-message';
import { useTree } from '../api/get-tree';
import { useHaltTree } from '../api/halt-tree';
import { formatDate } from '../utils/format';
import { describeLabels, isLiveTree, preview, stateLabel, TREE_ROLE_LABEL } from '../utils/trees';

import { StatusBadge } from './status-badge';

function DeleteMessage({ slug, treeId, messageId }: { slug: string; treeId: number; messageId: number }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useDeleteTreeMessage({ mutationConfig: { onSuccess: () => setConfirming(false) } });
  if (!confirming) {
    return (
      <button type="button" className="button button--small" onClick={() => setConfirming(true)}>
        Delete…
      </button>
    );
  }
  return (
    <span className="form__actions" role="group" aria-label={`Delete message ${messageId}?`}>
      <span>Delete this message and every reply below it?</span>
      <button
        type="button"
        className="button button--small button--danger"
        disabled={remove.isPending}
        onClick={() => remove.mutate({ slug, treeId, messageId })}
      >
        {remove.isPending ? 'Deleting…' : 'Yes, delete'}
      </button>
      <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {remove.error ? <ErrorMessage error={remove.error} /> : null}
    </span>
  );
}

function NodeView({ node, slug, treeId }: { node: TreeNode; slug: string; treeId: number }) {
  const text = plainText(node.content);
  const short = preview(text);
  const labels = describeLabels(node.labels);
  return (
    <li className={`tree-node${node.deleted ? ' tree-node--deleted' : ''}`} data-testid={`tree-node-${node.id}`}>
      <div className="tree-node__card">
        <div className="tree-node__meta">
          <strong>{TREE_ROLE_LABEL[node.role] ?? node.role}</strong>
          <span className="mono">#{node.id}</span>
          <StatusBadge status={node.review_state} />
          <span>
            {node.acceptance === null ? 'no reviews' : `${Math.round(node.acceptance * 100)}% acceptable`} ({node.review_count})
          </span>
          {node.rank !== null ? <span>rank {node.rank + 1}</span> : null}
          {node.ranking_count > 0 ? <span>{node.ranking_count} rankings of its replies</span> : null}
          <span>{node.model_name ? `model ${node.model_name}` : node.author_id !== null ? `annotator #${node.author_id}` : ''}</span>
          {node.deleted ? <span className="badge badge--failed">deleted</span> : null}
        </div>
        <p className="tree-node__text">{short || '(no text)'}</p>
        {short !== text.replace(/\s+/g, ' ').trim() ? (
          <details>
            <summary>Full text</summary>
            <Markdown text={text} />
          </details>
        ) : null}
        {labels ? <p className="tree-node__meta">Labels: {labels}</p> : null}
        {!node.deleted ? <DeleteMessage slug={slug} treeId={treeId} messageId={node.id} /> : null}
      </div>
      {node.replies.length > 0 ? (
        <ol className="tree-node__list" aria-label={`Replies to message ${node.id}`}>
          {node.replies.map((reply) => (
            <NodeView key={reply.id} node={reply} slug={slug} treeId={treeId} />
          ))}
        </ol>
      ) : null}
    </li>
  );
}

function HaltForm({ slug, tree }: { slug: string; tree: TreeDetail }) {
  const [reason, setReason] = useState('');
  const halt = useHaltTree();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) halt.mutate({ slug, id: tree.id, body: { reason: reason.trim() } });
  };
  return (
    <form className="form form--inline" onSubmit={onSubmit} aria-label={`Halt tree ${tree.id}`}>
      <div className="field">
        <label htmlFor={`halt-reason-${tree.id}`}>Reason to halt</label>
        <input
          id={`halt-reason-${tree.id}`}
          type="text"
          maxLength={2000}
          required
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      <button type="submit" className="button button--danger" disabled={halt.isPending || !reason.trim()}>
        {halt.isPending ? 'Halting…' : 'Halt tree'}
      </button>
      {halt.error ? <ErrorMessage error={halt.error} /> : null}
    </form>
  );
}

/** One tree, nested: every message with its review, rank and labels; halt the tree, delete messages. */
export function TreeView({ slug, treeId, onClose }: { slug: string; treeId: number; onClose: () => void }) {
  const query = useTree(treeId);
  const tree = query.data;
  return (
    <section className="card tree-view" aria-labelledby={`tree-${treeId}-title`} data-testid="tree-view">
      <div className="tree-view__head">
        <h3 id={`tree-${treeId}-title`}>Tree #{treeId}</h3>
        {tree ? (
          <>
            <StatusBadge status={tree.state} />
            <span className="muted">
              {tree.size} accepted messages · {tree.lang} · started {formatDate(tree.created_at)}
            </span>
          </>
        ) : null}
        <button type="button" className="button button--small" onClick={onClose}>
          Close
        </button>
      </div>
      {query.isPending ? <Loading /> : null}
      {query.error ? <ErrorMessage error={query.error} /> : null}
      {tree ? (
        <>
          {tree.halt_reason ? (
            <p className="alert alert--info">
              {stateLabel(tree.state)}: {tree.halt_reason}
            </p>
          ) : null}
          {isLiveTree(tree.state) ? <HaltForm slug={slug} tree={tree} /> : null}
          {tree.root ? (
            <ol className="tree-node__list">
              <NodeView node={tree.root} slug={slug} treeId={tree.id} />
            </ol>
          ) : (
            <p className="muted">This tree has no messages.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
