import { Link, useNavigate, useSearchParams } from 'react-router-dom';

import { CampaignBuilder } from '../builder/campaign-builder';
import { NewCampaignForm } from '../components/new-campaign-form';

/** The campaign builder; `?form=simple` keeps the one-question pairwise form. */
export function NewCampaignRoute() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const simple = params.get('form') === 'simple';
  const open = (c: { slug: string }) => navigate(`/admin/campaigns/${encodeURIComponent(c.slug)}`);
  return (
    <main className={simple ? 'page' : 'page page--wide'}>
      <Link to="/admin" className="back-link">
        ← Campaigns
      </Link>
      <h1>New campaign</h1>
      <p className="muted">New campaigns are created as drafts: annotators do not see one until you activate it on its page.</p>
      {simple ? (
        <>
          <p>
            <Link to="/admin/campaigns/new">Open the campaign builder</Link> for every question kind, templates and a preview.
          </p>
          <NewCampaignForm onCreated={open} />
        </>
      ) : (
        <>
          <p>
            <Link to="/admin/campaigns/new?form=simple">Quick form</Link>: one pairwise question.
          </p>
          <CampaignBuilder onCreated={open} />
        </>
      )}
    </main>
  );
}
