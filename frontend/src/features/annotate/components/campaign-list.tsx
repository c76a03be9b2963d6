import { Link } from 'react-router-dom';

import type { AnnotateCampaign } from '@/lib/api-types';

export function CampaignList({ campaigns }: { campaigns: AnnotateCampaign[] }) {
  if (campaigns.length === 0) {
    return <p className="muted">No campaigns are open for you right now. Check back later.</p>;
  }
  return (
    <ul className="campaign-cards">
      {campaigns.map((campaign) => (
        <li key={campaign.slug} className="card campaign-card">
          <h2 className="campaign-card__name">{campaign.name}</h2>
          {campaign.kind === 'trees' ? (
            <p className="campaign-card__stats">Conversation trees: write, review and rank replies</p>
          ) : (
            <p className="campaign-card__stats">
              You&apos;ve rated {campaign.my_judgments} · {campaign.available} available
              {campaign.my_judgments > 0 ? (
                <>
                  {' · '}
                  <Link
                    to={`/annotate/${encodeURIComponent(campaign.slug)}/judgments`}
                    aria-label={`Your judgments in ${campaign.name}`}
                  >
                    Your judgments
                  </Link>
                </>
              ) : null}
            </p>
          )}
          {campaign.status === 'paused' ? (
            // A paused campaign gives out no tasks until its researchers resume it.
            <span className="badge badge--paused">Paused</span>
          ) : campaign.kind === 'trees' ? (
            // Tree work is found per request (nobody judges their own messages), so there is no count.
            <Link
              className="button button--primary"
              to={`/annotate/${encodeURIComponent(campaign.slug)}/trees`}
              aria-label={`Start ${campaign.name}`}
            >
              Start
            </Link>
          ) : campaign.available > 0 ? (
            <Link
              className="button button--primary"
              to={`/annotate/${encodeURIComponent(campaign.slug)}`}
              aria-label={`Start ${campaign.name}`}
            >
              Start
            </Link>
          ) : (
            <span className="muted">Nothing left for you</span>
          )}
        </li>
      ))}
    </ul>
  );
}
