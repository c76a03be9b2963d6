import { useState, type FormEvent } from 'react';

import type { FeedbackSource } from '@/lib/api-types';

import { useUpdateFeedbackSource } from '../api/update-feedback-source';
import { RequestError } from '../components/request-error';

import { draftOf, policyOf, RedactionFields, type RedactionDraft } from './redaction-fields';
import { ConsentField, RetentionField } from './source-fields';

/** Name, retention, consent basis and redaction of a source, saved together. */
export function SourceSettingsForm({ source }: { source: FeedbackSource }) {
  const [name, setName] = useState(source.name);
  const [retention, setRetention] = useState(String(source.retention_days));
  const [consent, setConsent] = useState(source.consent_basis);
  const [redaction, setRedaction] = useState<RedactionDraft>(() => draftOf(source.redaction));
  const update = useUpdateFeedbackSource();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      slug: source.slug,
      body: {
        name: name.trim(),
        retention_days: Number.parseInt(retention, 10),
        consent_basis: consent.trim(),
        redaction: policyOf(redaction),
      },
    });
  };
  const edit =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      // A message about the previous save would be stale once anything changes.
      if (update.isSuccess) update.reset();
      set(value);
    };

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="source-settings-title">
      <h2 id="source-settings-title">Settings</h2>
      {update.error ? <RequestError error={update.error} /> : null}
      {update.isSuccess ? (
        <p className="alert alert--success" role="status">
          Saved. A new redaction policy applies to events that arrive from now on.
        </p>
      ) : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="settings-name">Name</label>
          <input id="settings-name" required maxLength={200} value={name} onChange={(e) => edit(setName)(e.target.value)} />
        </div>
        <RetentionField
          id="settings-retention"
          value={retention}
          onChange={edit(setRetention)}
          help="A shorter retention applies at the workers’ next upkeep round."
        />
      </div>
      <ConsentField id="settings-consent" value={consent} onChange={edit(setConsent)} />
      <RedactionFields idPrefix="settings" draft={redaction} onChange={edit(setRedaction)} />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
