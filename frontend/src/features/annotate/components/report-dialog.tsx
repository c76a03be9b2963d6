import { useRef, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Modal } from '@/components/ui/modal';

type ReportDialogProps = {
  pending: boolean;
  error: unknown;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
};

/** Report the item (broken, offensive, unanswerable): a reason is required; the task is released. */
export function ReportDialog({ pending, error, onConfirm, onCancel }: ReportDialogProps) {
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const trimmed = reason.trim();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!trimmed) {
      inputRef.current?.focus();
      return;
    }
    onConfirm(trimmed);
  };
  return (
    <Modal title="Report this item" onClose={onCancel} initialFocusRef={inputRef}>
      <form className="form" onSubmit={onSubmit} noValidate>
        {error ? <ErrorMessage error={error} /> : null}
        <p className="muted">Broken, offensive or impossible to answer? Tell us what is wrong; you will get another task.</p>
        <div className="field">
          <label htmlFor="report-reason">What is wrong? (required)</label>
          <textarea
            id="report-reason"
            ref={inputRef}
            rows={3}
            maxLength={2000}
            required
            aria-invalid={tried && !trimmed ? true : undefined}
            aria-describedby={tried && !trimmed ? 'report-reason-error' : undefined}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) onSubmit(e);
            }}
          />
          {tried && !trimmed ? (
            <small id="report-reason-error" className="field__error">
              Please say what is wrong.
            </small>
          ) : null}
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Reporting…' : 'Report and get another task'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
