import { useRef, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Modal } from '@/components/ui/modal';

type SkipDialogProps = {
  pending: boolean;
  error: unknown;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
};

export function SkipDialog({ pending, error, onConfirm, onCancel }: SkipDialogProps) {
  const [reason, setReason] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onConfirm(reason.trim());
  };
  return (
    <Modal title="Skip this task?" onClose={onCancel} initialFocusRef={inputRef}>
      <form className="form" onSubmit={onSubmit}>
        {error ? <ErrorMessage error={error} /> : null}
        <div className="field">
          <label htmlFor="skip-reason">Reason (optional)</label>
          <input
            id="skip-reason"
            ref={inputRef}
            type="text"
            maxLength={500}
            placeholder="e.g. I can't judge this topic, the text is broken…"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Skipping…' : 'Skip task'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
