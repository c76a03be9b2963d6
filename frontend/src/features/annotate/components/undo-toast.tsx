type UndoToastProps = { pending: boolean; onUndo: () => void; onDismiss: () => void };

/** "Submitted · Undo (Z)" while the server still allows the last judgment to be taken back. */
export function UndoToast({ pending, onUndo, onDismiss }: UndoToastProps) {
  return (
    <div className="toast" role="status" data-testid="undo-toast">
      <span>Submitted</span>
      <span aria-hidden="true">·</span>
      <button type="button" className="button button--small" onClick={onUndo} disabled={pending} aria-keyshortcuts="Z" data-testid="undo">
        {pending ? 'Undoing…' : 'Undo'} <kbd aria-hidden="true">Z</kbd>
      </button>
      <button type="button" className="button button--ghost button--small" onClick={onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
