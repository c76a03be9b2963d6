import { useState, type FormEvent } from 'react';

import type { FeedbackSource } from '@/lib/api-types';

import { useCreateFeedbackSource } from '../api/create-feedback-source';
import { RequestError } from '../components/request-error';

import { DEFAULT_REDACTION, policyOf, RedactionFields, type RedactionDraft } from './redaction-fields';
import { ConsentField, RetentionField } from './source-fields';

// Mirrors the server's SLUG_PATTERN (campaigns/spec.py), so a typo shows before a 422.
const SLUG_PATTERN = '[a-z0-9](?:[a-z0-9\\-]{0,62}[a-z0-9])?';

/** Registers a chat product as a feedback source; the server's refusals show above the fields. */
export function NewSourceForm({ onCreated }: { onCreated?: (source: FeedbackSource) => void }) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [retention, setRetention] = useState('90');
  const [consent, setConsent] = useState('');
  const [redaction, setRedaction] = useState<RedactionDraft>(DEFAULT_REDACTION);
  const create = useCreateFeedbackSource({ mutationConfig: { onSuccess: (created) => onCreated?.(created) } });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      slug: slug.trim(),
      name: name.trim(),
      retention_days: Number.parseInt(retention, 10),
      consent_basis: consent.trim(),
      redaction: policyOf(redaction),
    });
  };

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="new-source-title">
      <h2 id="new-source-title">New source</h2>
      {create.error ? <RequestError error={create.error} /> : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="source-name">Name</label>
          <input id="source-name" required maxLength={200} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="source-slug">Slug</label>
          <input
            id="source-slug"
            required
            className="mono"
            pattern={SLUG_PATTERN}
            maxLength={64}
            autoComplete="off"
            aria-describedby="source-slug-help"
            value={slug}
            onChange={(e) => setSlug(e.target.value)}
          />
          <small id="source-slug-help">
            Lower-case letters, digits and dashes; the product sends to <code>/api/ingest/{slug || '<slug>'}/events</code>.
          </small>
        </div>
        <RetentionField id="source-retention" value={retention} onChange={setRetention} help="Conversations quiet for longer are deleted." />
      </div>
      <ConsentField id="source-consent" value={consent} onChange={setConsent} />
      <RedactionFields idPrefix="new-source" draft={redaction} onChange={setRedaction} />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create source'}
        </button>
      </div>
    </form>
  );
}
