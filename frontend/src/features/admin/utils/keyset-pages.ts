import { useState } from 'react';

/**
 * Keyset paging (`after` = the last id of the previous page): the cursors of the pages before the
 * one shown are kept, so Previous goes back without offsets. Reset it when the filters change.
 */
export function useKeysetPages() {
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    pageNumber: cursors.length,
    hasPrevious: cursors.length > 1,
    next: (cursor: number) => setCursors((stack) => [...stack, cursor]),
    previous: () => setCursors((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack)),
    reset: () => setCursors([null]),
  };
}

export type KeysetPages = ReturnType<typeof useKeysetPages>;
