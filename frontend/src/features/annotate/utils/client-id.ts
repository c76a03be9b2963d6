import { newUuid } from '@/lib/uuid';

// The client_id makes a submit idempotent. It is made once per assignment and kept in
// sessionStorage, so a retry (even after a reload of the tab) is stored once by the server.
const storageKey = (assignmentId: number | string) => `prefhub:client-id:${assignmentId}`;

/** `assignmentId` is an assignment's id, or any other key unique per task (`tree:12`). */
export function getOrCreateClientId(assignmentId: number | string): string {
  try {
    const existing = sessionStorage.getItem(storageKey(assignmentId));
    if (existing) return existing;
    const created = newUuid();
    sessionStorage.setItem(storageKey(assignmentId), created);
    return created;
  } catch {
    return newUuid(); // storage disabled (private mode, sandboxed iframe): still unique per task
  }
}

export function forgetClientId(assignmentId: number | string): void {
  try {
    sessionStorage.removeItem(storageKey(assignmentId));
  } catch {
    /* storage unavailable: nothing to forget */
  }
}
