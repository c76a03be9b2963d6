export type ToolActions = {
  onGuidelines: () => void;
  onToggleHelp: () => void;
  onSkip: () => void;
  /** Items can be reported; tree tasks have no report. */
  onReport?: () => void;
};

type TaskToolsProps = ToolActions & { helpOpen: boolean; locked: boolean };

/** The tool buttons' keys (G, ?, and unless locked S and R): true when `key` was one of them. */
export function toolKey(key: string, locked: boolean, actions: ToolActions): boolean {
  const always: Record<string, (() => void) | undefined> = { g: actions.onGuidelines, '?': actions.onToggleHelp };
  const unlocked: Record<string, (() => void) | undefined> = { s: actions.onSkip, r: actions.onReport };
  const action = always[key] ?? (locked ? undefined : unlocked[key]);
  action?.();
  return action !== undefined;
}

/** The task screen's tool buttons, each with the key that does the same. */
export function TaskTools({ helpOpen, locked, onGuidelines, onToggleHelp, onSkip, onReport }: TaskToolsProps) {
  return (
    <div className="task__tools">
      <button type="button" className="button" onClick={onGuidelines} aria-keyshortcuts="G">
        Guidelines <kbd aria-hidden="true">G</kbd>
      </button>
      <button
        type="button"
        className="button"
        onClick={onToggleHelp}
        aria-expanded={helpOpen}
        aria-controls="keyboard-help"
        aria-keyshortcuts="?"
      >
        Keyboard <kbd aria-hidden="true">?</kbd>
      </button>
      {onReport ? (
        <button type="button" className="button" onClick={onReport} disabled={locked} aria-keyshortcuts="R">
          Report <kbd aria-hidden="true">R</kbd>
        </button>
      ) : null}
      <button type="button" className="button" onClick={onSkip} disabled={locked} aria-keyshortcuts="S">
        Skip <kbd aria-hidden="true">S</kbd>
      </button>
    </div>
  );
}
