import { Link } from 'react-router-dom';

import type { TaskProgress as Progress } from '@/lib/api-types';

import { TaskProgress } from './task-progress';

export function DoneState({ progress }: { progress: Progress }) {
  return (
    <section className="done card" data-testid="done" aria-labelledby="done-title">
      <h1 id="done-title">All done — nothing left for you in this campaign</h1>
      <TaskProgress progress={progress} />
      <p>Thank you! New items may appear later.</p>
      <Link className="button button--primary" to="/annotate">
        Back to campaigns
      </Link>
    </section>
  );
}
