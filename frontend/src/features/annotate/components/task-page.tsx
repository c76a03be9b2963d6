import type { ReactNode } from 'react';

import { CrowdProgress } from './participation/crowd-progress';

/** The task screen's page: crowd progress, then a notice about the last task (if any), then the task. */
export function TaskPage({ notice, children }: { notice: string | null; children: ReactNode }) {
  return (
    <main className="page page--task">
      <CrowdProgress />
      {notice ? (
        <div className="alert alert--info" role="status">
          {notice}
        </div>
      ) : null}
      {children}
    </main>
  );
}
