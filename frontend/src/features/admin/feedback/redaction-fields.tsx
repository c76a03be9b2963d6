import type { CustomPattern, PiiKind, RedactionPolicy } from '@/lib/api-types';

/** The kinds of personal data the server can find, as the form names them (insitu/pii.py). */
export const PII_KINDS: [PiiKind, string][] = [
  ['email', 'E-mail addresses'],
  ['phone', 'Phone numbers'],
  ['payment_card', 'Payment cards (Luhn-checked)'],
  ['ip_address', 'IP addresses'],
  ['url_credentials', 'Credentials and secrets in URLs'],
];

/** The form's copy of a policy: regions as typed, patterns as rows (possibly half filled). */
export type RedactionDraft = { kinds: PiiKind[]; phoneRegions: string; customPatterns: CustomPattern[] };

// The server's defaults (RedactionPolicyIn), shown filled in on a new source.
export const DEFAULT_REDACTION: RedactionDraft = {
  kinds: PII_KINDS.map(([kind]) => kind),
  phoneRegions: 'US, GB, DE, FR, IN',
  customPatterns: [],
};

export const draftOf = (policy: RedactionPolicy): RedactionDraft => ({
  kinds: policy.kinds ?? [],
  phoneRegions: (policy.phone_regions ?? []).join(', '),
  customPatterns: policy.custom_patterns ?? [],
});

/** What the API takes: regions upper-cased and split on commas or spaces, empty pattern rows left out. */
export const policyOf = (draft: RedactionDraft): RedactionPolicy => ({
  kinds: PII_KINDS.map(([kind]) => kind).filter((kind) => draft.kinds.includes(kind)),
  phone_regions: draft.phoneRegions
    .split(/[\s,]+/)
    .map((r) => r.trim().toUpperCase())
    .filter(Boolean),
  custom_patterns: draft.customPatterns
    .map((p) => ({ label: p.label.trim(), pattern: p.pattern }))
    .filter((p) => p.label || p.pattern),
});

/** The redaction part of a source's form: kinds, phone regions, and the source's own patterns. */
export function RedactionFields({ idPrefix, draft, onChange }: { idPrefix: string; draft: RedactionDraft; onChange: (next: RedactionDraft) => void }) {
  const toggle = (kind: PiiKind, on: boolean) =>
    onChange({ ...draft, kinds: on ? [...draft.kinds, kind] : draft.kinds.filter((k) => k !== kind) });
  const setPattern = (index: number, change: Partial<CustomPattern>) =>
    onChange({ ...draft, customPatterns: draft.customPatterns.map((p, i) => (i === index ? { ...p, ...change } : p)) });
  return (
    <fieldset className="fieldset" aria-label="Redaction">
      <legend>Redaction before storage</legend>
      <div role="group" aria-label="Personal data to remove">
        {PII_KINDS.map(([kind, label]) => (
          <label key={kind} className="checkbox">
            <input type="checkbox" checked={draft.kinds.includes(kind)} onChange={(e) => toggle(kind, e.target.checked)} />
            {label}
          </label>
        ))}
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-regions`}>Phone regions</label>
        <input
          id={`${idPrefix}-regions`}
          className="mono"
          autoComplete="off"
          aria-describedby={`${idPrefix}-regions-help`}
          value={draft.phoneRegions}
          onChange={(e) => onChange({ ...draft, phoneRegions: e.target.value })}
        />
        <small id={`${idPrefix}-regions-help`}>
          ISO 3166 codes, e.g. US, GB: national numbers of these regions count; numbers starting with + always do.
        </small>
      </div>
      <div className="stack" role="group" aria-label="Custom patterns">
        <strong>Custom patterns</strong>
        {draft.customPatterns.length === 0 ? (
          <small className="muted">None: add one for your own identifiers (ticket numbers, account ids…).</small>
        ) : null}
        {draft.customPatterns.map((pattern, index) => (
          <div key={index} className="form--inline" data-testid={`${idPrefix}-pattern-${index}`}>
            <div className="field">
              <label htmlFor={`${idPrefix}-pattern-label-${index}`}>Label</label>
              <input
                id={`${idPrefix}-pattern-label-${index}`}
                className="mono"
                autoComplete="off"
                placeholder="TICKET"
                value={pattern.label}
                onChange={(e) => setPattern(index, { label: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${idPrefix}-pattern-re-${index}`}>Pattern (RE2)</label>
              <input
                id={`${idPrefix}-pattern-re-${index}`}
                className="mono"
                autoComplete="off"
                placeholder="TCK-\d{6}"
                value={pattern.pattern}
                onChange={(e) => setPattern(index, { pattern: e.target.value })}
              />
            </div>
            <button
              type="button"
              className="button button--small"
              aria-label={`Remove pattern ${index + 1}`}
              onClick={() => onChange({ ...draft, customPatterns: draft.customPatterns.filter((_, i) => i !== index) })}
            >
              Remove
            </button>
          </div>
        ))}
        <div>
          <button
            type="button"
            className="button button--small"
            onClick={() => onChange({ ...draft, customPatterns: [...draft.customPatterns, { label: '', pattern: '' }] })}
          >
            Add a pattern
          </button>
        </div>
        <small className="muted">A match is stored as [LABEL]. Labels are upper-case letters, digits and _.</small>
      </div>
    </fieldset>
  );
}
