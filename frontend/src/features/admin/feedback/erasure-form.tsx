import { useState, type FormEvent } from 'react';

import { useEraseFeedbackUser } from '../api/erase-feedback-user';
import { RequestError } from '../components/request-error';
import { countOf } from '../utils/format';

/** A data subject's request: every conversation of one of the product's users goes, after a confirmation. */
export function ErasureForm({ slug }: { slug: string }) {
  const [userId, setUserId] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const erase = useEraseFeedbackUser({ mutationConfig: { onSuccess: () => setConfirming(null) } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    erase.reset();
    setConfirming(userId.trim());
  };

  return (
    <section className="card stack" aria-labelledby="erasure-title">
      <h2 id="erasure-title">Delete a user’s data</h2>
      <p className="muted">
        Deletes every conversation the product’s user took part in, with its events and derived rows. Use the id the product
        sends as <code>user_id</code>.
      </p>
      <form className="form form--inline" onSubmit={onSubmit} aria-label="Delete a user’s data">
        <div className="field">
          <label htmlFor="erasure-user-id">User id</label>
          <input
            id="erasure-user-id"
            required
            maxLength={200}
            className="mono"
            autoComplete="off"
            value={userId}
            onChange={(e) => {
              setUserId(e.target.value);
              setConfirming(null);
            }}
          />
        </div>
        <button type="submit" className="button button--danger" disabled={!userId.trim() || erase.isPending}>
          Delete…
        </button>
      </form>
      {confirming !== null ? (
        <div className="alert alert--error" role="group" aria-label="Confirm deleting a user’s data">
          <p>
            Delete everything of user <strong className="mono">{confirming}</strong> in this source? This cannot be undone.
          </p>
          <div className="form__actions">
            <button
              type="button"
              className="button button--small button--danger"
              disabled={erase.isPending}
              onClick={() => erase.mutate({ slug, userId: confirming })}
            >
              {erase.isPending ? 'Deleting…' : 'Yes, delete'}
            </button>
            <button type="button" className="button button--small" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {erase.error ? <RequestError error={erase.error} /> : null}
      {erase.data ? (
        <p className="alert alert--success" role="status" data-testid="erasure-result">
          Deleted {countOf(erase.data.conversations, 'conversation')}, {countOf(erase.data.events, 'event')} and{' '}
          {countOf(erase.data.derived, 'derived row')} of user <span className="mono">{erase.variables?.userId}</span>.
        </p>
      ) : null}
    </section>
  );
}
