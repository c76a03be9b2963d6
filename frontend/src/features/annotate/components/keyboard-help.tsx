import type { Question } from '@/lib/api-types';

export type Shortcut = { keys: string[]; what: string };

/** The shortcuts that work on this screen, given its question kinds. */
export function shortcutsFor(questions: Question[], { autoSubmit, canUndo }: { autoSubmit: boolean; canUndo: boolean }): Shortcut[] {
  const kinds = new Set(questions.map((q) => q.kind));
  const list: Shortcut[] = [];
  const pairwise = questions.filter((q) => q.kind === 'pairwise');
  if (pairwise.length) {
    list.push({ keys: ['1', '2', '3', '4'], what: 'A better, B better, tie, both bad (the first unanswered A/B question)' });
    if (pairwise.some((q) => q.strength)) list.push({ keys: ['7', '8', '9'], what: 'slightly, clearly, strongly better' });
  }
  if (kinds.has('ranking')) {
    list.push({ keys: ['Enter'], what: 'on a response not ranked yet: rank it next' });
    list.push({ keys: ['1', '…', '9'], what: 'on a ranking entry: put it at that position' });
    list.push({ keys: ['Alt+↑', 'Alt+↓'], what: 'move the focused ranking entry up or down' });
    list.push({ keys: ['Delete'], what: 'take the focused entry out of the ranking' });
    if (questions.some((q) => q.kind === 'ranking' && q.allow_ties)) list.push({ keys: ['T'], what: 'tie the focused entry with the one above' });
    list.push({ keys: ['Space'], what: 'on a ⠿ handle: pick up, move with arrows, Space again to drop' });
  }
  if (kinds.has('binary')) list.push({ keys: ['U', '↑', 'D', '↓'], what: 'on a focused response row: thumbs up / thumbs down' });
  if (kinds.has('rating') || kinds.has('labels')) list.push({ keys: ['←', '→'], what: 'pick a value on the focused scale' });
  if (kinds.has('negative_only') || kinds.has('labels')) list.push({ keys: ['Space'], what: 'toggle the focused checkbox or button' });
  if (!autoSubmit) list.push({ keys: ['Enter'], what: 'submit when every question is answered' });
  if (kinds.has('text')) list.push({ keys: ['Ctrl+Enter'], what: 'submit from inside a text box' });
  list.push({ keys: ['Tab'], what: 'next control (Shift+Tab: previous)' });
  list.push({ keys: ['G'], what: 'guidelines' }, { keys: ['S'], what: 'skip this task' }, { keys: ['R'], what: 'report this item' });
  if (canUndo) list.push({ keys: ['Z'], what: 'undo your last submit (while its notice shows)' });
  list.push({ keys: ['?'], what: 'show or hide this list' });
  return list;
}

export function KeyboardHelp({ id, shortcuts }: { id: string; shortcuts: Shortcut[] }) {
  return (
    <section id={id} className="keyboard-help card" aria-label="Keyboard shortcuts" data-testid="keyboard-help">
      <p className="keyboard-help__note muted">Shortcuts never fire while you type in a text box or a dialog is open.</p>
      <dl className="keyboard-help__list">
        {shortcuts.map((s) => (
          <div key={`${s.keys.join('')}-${s.what}`} className="keyboard-help__row">
            <dt>
              {s.keys.map((k, i) => (
                <kbd key={i}>{k}</kbd>
              ))}
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
