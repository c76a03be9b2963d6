import { useParams } from 'react-router-dom';

import { useCrowdCompletion } from '../../api/get-completion';

/** "1 of 20 tasks done" for a crowd participant; nothing for anyone else. */
export function CrowdProgress() {
  const { slug = '' } = useParams();
  const { crowd } = useCrowdCompletion(slug);
  if (!crowd || crowd.target == null || crowd.completed) return null;
  const { done, target } = crowd;
  return (
    <div className="progress crowd-progress" data-testid="crowd-progress">
      <div
        className="progress__track"
        role="progressbar"
        aria-label="Study progress"
        aria-valuemin={0}
        aria-valuemax={target}
        aria-valuenow={Math.min(done, target)}
        aria-valuetext={`${done} of ${target} tasks done`}
      >
        <div className="progress__fill" style={{ width: `${Math.min(100, Math.round((done / target) * 100))}%` }} />
      </div>
      <span className="progress__text">
        {done} of {target} tasks done
      </span>
    </div>
  );
}
