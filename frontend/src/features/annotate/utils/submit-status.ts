/** The line under a task's answers while it is being saved (read out by screen readers). */
export function submitStatus({ saved, pending, failureCount }: { saved: boolean; pending: boolean; failureCount: number }): string {
  if (saved) return 'Saved. Loading the next task…';
  if (!pending) return '';
  // Failures while still pending: the server is briefly unavailable and the same answer is sent again.
  return failureCount > 0 ? 'Reconnecting… your answer is kept and will be saved.' : 'Saving your answer…';
}
