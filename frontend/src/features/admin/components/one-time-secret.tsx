import { useRef, useState, type ReactNode } from 'react';

type OneTimeSecretProps = {
  /** The section's accessible name, e.g. "New API token". */
  title: string;
  /** The secret field's label, e.g. Token “ci job”. */
  label: string;
  id: string;
  secret: string;
  copyLabel: string;
  testId: string;
  onDone: () => void;
  /** How to use it. */
  children?: ReactNode;
};

/** The secret of a credential just made. The server keeps only its hash: this is the one chance. */
export function OneTimeSecret({ title, label, id, secret, copyLabel, testId, onDone, children }: OneTimeSecretProps) {
  const secretRef = useRef<HTMLInputElement>(null);
  const [note, setNote] = useState<string | null>(null);

  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setNote('Copied to the clipboard.');
    } catch {
      // No clipboard here (plain HTTP on another host, or refused): select it for the keyboard.
      secretRef.current?.select();
      setNote('Selected: press Ctrl+C (or ⌘C) to copy.');
    }
  };

  return (
    <section className="alert alert--success" aria-label={title} data-testid={testId}>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          ref={secretRef}
          id={id}
          className="mono"
          readOnly
          value={secret}
          aria-describedby={`${id}-warning`}
          onFocus={(e) => e.target.select()}
        />
        <strong id={`${id}-warning`} role="alert">
          Copy it now: it will not be shown again. prefhub keeps only a hash of it.
        </strong>
      </div>
      {children}
      <div className="form__actions">
        <button type="button" className="button button--small button--primary" onClick={copySecret}>
          {copyLabel}
        </button>
        <button type="button" className="button button--small" onClick={onDone}>
          I have copied it
        </button>
        <span role="status" className="muted">
          {note}
        </span>
      </div>
    </section>
  );
}
