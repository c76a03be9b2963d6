import { useEffect, useRef } from 'react';

/** True when the key press belongs to something the user is typing into. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

/** True when Enter on this element already means something (a button press, following a link). */
export function isActivatable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return Boolean(target.closest('button, a[href], summary, [role="button"], [role="link"]'));
}

/** A modal dialog or drawer is open: page shortcuts must stay quiet. */
export const isModalOpen = (): boolean => document.querySelector('[role="dialog"][aria-modal="true"]') !== null;

/**
 * Page-level single-key shortcuts. `onKey` receives the lower-cased key (and the event) and returns
 * true when it handled it. Ignored while typing, while a dialog is open, with Ctrl/Meta/Alt held,
 * on auto-repeat, or when disabled.
 */
export function useTaskShortcuts(enabled: boolean, onKey: (key: string, event: KeyboardEvent) => boolean) {
  const handler = useRef(onKey);
  handler.current = onKey;

  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target) || isTypingTarget(document.activeElement)) return;
      if (isModalOpen()) return;
      if (handler.current(event.key.toLowerCase(), event)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
