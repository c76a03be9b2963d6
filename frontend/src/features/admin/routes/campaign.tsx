import { lazy, Suspense } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useCampaign } from '../api/get-campaign';
import { CampaignLifecycle } from '../components/campaign-lifecycle';
import { ExportsPanel } from '../components/exports-panel';
import { GenerationPanel } from '../components/generation-panel';
import { ImportForm } from '../components/import-form';
import { SpecSummary } from '../components/spec-summary';
import { SpecEditor } from '../components/spec-editor';
import { SpecVersions } from '../components/spec-versions';
import { TreesPanel } from '../components/trees-panel';

// Its charts (Recharts) load only when a campaign page shows it.
const QualitySection = lazy(() => import('../quality/quality-section'));

type CampaignTab = 'campaign' | 'quality';

/** The page's tabs; the chosen one is in the URL (`?tab=quality`), so it can be linked to. */
function CampaignTabs({ tab, choose, withQuality }: { tab: CampaignTab; choose: (tab: CampaignTab) => void; withQuality: boolean }) {
  const tabs: [CampaignTab, string][] = [['campaign', 'Campaign']];
  if (withQuality) tabs.push(['quality', 'Quality']);
  return (
    <div role="tablist" aria-label="Campaign page" className="campaign-tabs">
      {tabs.map(([key, label]) => (
        <button
          key={key}
          type="button"
          role="tab"
          id={`campaign-tab-${key}`}
          aria-selected={tab === key}
          aria-controls={`campaign-panel-${key}`}
          className="button button--small"
          onClick={() => choose(key)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

export function CampaignRoute() {
  const { slug = '' } = useParams();
  const campaign = useCampaign(slug);
  const [params, setParams] = useSearchParams();
  // Tree campaigns have no quality view yet (their rankings live in the trees).
  const withQuality = Boolean(campaign.data && !campaign.data.spec.trees);
  const tab: CampaignTab = withQuality && params.get('tab') === 'quality' ? 'quality' : 'campaign';
  const choose = (next: CampaignTab) =>
    setParams(
      (p) => {
        const kept = new URLSearchParams(p);
        if (next === 'campaign') kept.delete('tab');
        else kept.set('tab', next);
        return kept;
      },
      { replace: true },
    );
  return (
    <main className="page page--wide">
      <Link to="/admin" className="back-link">
        ← Campaigns
      </Link>
      <h1>{campaign.data?.name ?? slug}</h1>
      {campaign.data && !campaign.data.spec.trees ? (
        <p>
          <Link to={`/admin/campaigns/${slug}/data`}>Browse items and judgments →</Link>
        </p>
      ) : null}
      {campaign.isPending ? <Loading /> : null}
      {campaign.error ? <ErrorMessage error={campaign.error} /> : null}
      {campaign.data ? <CampaignTabs tab={tab} choose={choose} withQuality={withQuality} /> : null}
      {campaign.data && tab === 'quality' ? (
        <div role="tabpanel" id="campaign-panel-quality" aria-labelledby="campaign-tab-quality">
          <Suspense fallback={<Loading />}>
            <QualitySection slug={slug} surveyFields={(campaign.data.spec.participation?.survey ?? []).map((q) => q.id)} />
          </Suspense>
        </div>
      ) : null}
      {campaign.data && tab === 'campaign' ? (
        <div className="admin-grid" role="tabpanel" id="campaign-panel-campaign" aria-labelledby="campaign-tab-campaign">
          <div className="admin-grid__full">
            <CampaignLifecycle campaign={campaign.data} />
          </div>
          <SpecSummary campaign={campaign.data} />
          <div className="stack">
            <ImportForm slug={slug} />
            <GenerationPanel slug={slug} />
            <ExportsPanel slug={slug} spec={campaign.data.spec} />
          </div>
          {campaign.data.spec.trees ? (
            <div className="admin-grid__full">
              <TreesPanel slug={slug} />
            </div>
          ) : null}
          <div className="admin-grid__full stack">
            <SpecEditor campaign={campaign.data} />
            <SpecVersions slug={slug} current={campaign.data.version} />
          </div>
        </div>
      ) : null}
    </main>
  );
}
