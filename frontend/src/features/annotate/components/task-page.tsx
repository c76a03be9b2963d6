import type { ReactNode } from 'react';

/** The task screen's page: a notice about the last task (if any) above the current one. */
export function TaskPage({ notice, children }: { notice: string | null; children: ReactNode }) {
  return (
    <main className="page page--task">
      {notice ? (
        <div className="alert alert--info" role="status">
          {notice}
        </div>
      ) : null}
      {children}
    </main>
  );
}
