// The fields a new source's form and a source's settings share; mirrors insitu/schemas.py.
export const MAX_RETENTION_DAYS = 3650;

export function RetentionField({ id, value, onChange, help }: { id: string; value: string; onChange: (value: string) => void; help: string }) {
  return (
    <div className="field field--short">
      <label htmlFor={id}>Retention (days)</label>
      <input
        id={id}
        type="number"
        required
        min={1}
        max={MAX_RETENTION_DAYS}
        aria-describedby={`${id}-help`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <small id={`${id}-help`}>{help}</small>
    </div>
  );
}

export function ConsentField({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Consent basis</label>
      <textarea id={id} rows={3} maxLength={4000} aria-describedby={`${id}-help`} value={value} onChange={(e) => onChange(e.target.value)} />
      <small id={`${id}-help`}>How the product’s users agreed to this use; printed on every export’s card.</small>
    </div>
  );
}
