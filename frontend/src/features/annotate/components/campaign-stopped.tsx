import { useCallback, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';

import { isApiError } from '@/lib/api-client';
import type { CampaignStatus } from '@/lib/api-types';

import { useAnnotateCampaigns } from '../api/get-annotate-campaigns';

export type StoppedStatus = 'paused' | 'closed';

/** `next` said 409 `campaign_not_active`: the campaign was paused or closed (null for any other error). */
export function stoppedStatus(error: unknown): StoppedStatus | null {
  if (!isApiError(error, 'campaign_not_active')) return null;
  const details = error.details as { status?: CampaignStatus } | null;
  return details?.status === 'paused' ? 'paused' : 'closed';
}

const TEXT: Record<StoppedStatus, { title: string; body: string }> = {
  paused: {
    title: 'This campaign is paused',
    body: 'Its researchers paused it: there are no new tasks until they resume it.',
  },
  closed: {
    title: 'This campaign is closed',
    body: 'It takes no new answers. Thank you for your work on it.',
  },
};

type CampaignStoppedProps = {
  status: StoppedStatus;
  /** The answer just submitted was stored (the task held before the pause or close). */
  lastSaved: boolean;
  checking: boolean;
  onCheckAgain: () => void;
};

/** Instead of a next task once the campaign stops: what happened, that nothing was lost, where to go. */
export function CampaignStopped({ status, lastSaved, checking, onCheckAgain }: CampaignStoppedProps) {
  const { title, body } = TEXT[status];
  return (
    <section className="done card" data-testid="campaign-stopped" data-status={status} aria-labelledby="stopped-title">
      <h1 id="stopped-title">{title}</h1>
      <p>{body}</p>
      <p>{lastSaved ? 'Your last answer was saved.' : 'Every answer you submitted is saved.'}</p>
      <div className="form__actions">
        {status === 'paused' ? (
          <button type="button" className="button button--primary" onClick={onCheckAgain} disabled={checking}>
            Check again
          </button>
        ) : null}
        <Link className={status === 'paused' ? 'button' : 'button button--primary'} to="/annotate">
          Back to campaigns
        </Link>
      </div>
    </section>
  );
}

/** Above a held task of a paused or closed campaign: finish it, nothing new follows. */
export function StoppingNotice({ status }: { status: CampaignStatus | undefined }) {
  if (status !== 'paused' && status !== 'closed') return null;
  return (
    <p className="alert alert--info" role="status" data-testid="campaign-stopping">
      This campaign is {status}: finish this task and your answer will be saved, but no new task will follow
      {status === 'paused' ? ' until it is resumed' : ''}.
    </p>
  );
}

type StoppedCampaign<Outcome extends string> = {
  /** Set when `next` was refused because the campaign is paused or closed. */
  status: StoppedStatus | null;
  /** How the last task ended (null before any). */
  lastOutcome: Outcome | null;
  /** Call when a task ends, before asking for the next. */
  finished: (outcome: Outcome) => void;
  /** Above the task: the held-task notice, for the task handed back as the page opened. */
  notice: ReactNode;
  /** Instead of a task while `status` is set. */
  screen: ReactNode;
};

/**
 * What a task screen (items or trees) shows of a paused or closed campaign. The campaign's status
 * is read from the annotator's list as the page opens: a task handed back then may be one held
 * through a pause. Any later task came from an active campaign (a stopped one leases none).
 */
export function useStoppedCampaign<Outcome extends string>(
  slug: string,
  next: { error: unknown; isFetching: boolean; refetch: () => unknown },
  { saved, onCheckAgain }: { saved: Outcome; onCheckAgain: () => void },
): StoppedCampaign<Outcome> {
  const listed = useAnnotateCampaigns().data?.campaigns.find((c) => c.slug === slug)?.status;
  const [firstTask, setFirstTask] = useState(true);
  const [lastOutcome, setLastOutcome] = useState<Outcome | null>(null);
  const status = next.error && !next.isFetching ? stoppedStatus(next.error) : null;
  const finished = useCallback((outcome: Outcome) => {
    setLastOutcome(outcome);
    setFirstTask(false);
  }, []);
  return {
    status,
    lastOutcome,
    finished,
    notice: firstTask ? <StoppingNotice status={listed} /> : null,
    screen: status ? (
      <CampaignStopped
        status={status}
        lastSaved={lastOutcome === saved}
        checking={next.isFetching}
        onCheckAgain={() => {
          setFirstTask(false);
          onCheckAgain();
          void next.refetch();
        }}
      />
    ) : null,
  };
}
