import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router-dom';

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

export function CampaignRoute() {
  const { slug = '' } = useParams();
  const campaign = useCampaign(slug);
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
      {campaign.data ? (
        <div className="admin-grid">
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
          ) : (
            <div className="admin-grid__full">
              <Suspense fallback={<Loading />}>
                <QualitySection slug={slug} surveyFields={(campaign.data.spec.participation?.survey ?? []).map((q) => q.id)} />
              </Suspense>
            </div>
          )}
          <div className="admin-grid__full stack">
            <SpecEditor campaign={campaign.data} />
            <SpecVersions slug={slug} current={campaign.data.version} />
          </div>
        </div>
      ) : null}
    </main>
  );
}
