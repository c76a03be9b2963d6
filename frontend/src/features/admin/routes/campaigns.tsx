import { useState } from 'react';
import { Link } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useCampaigns } from '../api/get-campaigns';
import { CampaignsTable } from '../components/campaigns-table';

export function CampaignsRoute() {
  const [showArchived, setShowArchived] = useState(false);
  const campaigns = useCampaigns(showArchived);
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>Campaigns</h1>
        <Link className="button button--primary" to="/admin/campaigns/new">
          New campaign
        </Link>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} /> Show archived
        campaigns
      </label>
      {campaigns.isPending ? <Loading /> : null}
      {campaigns.error ? <ErrorMessage error={campaigns.error} /> : null}
      {campaigns.data ? <CampaignsTable campaigns={campaigns.data.campaigns} /> : null}
    </main>
  );
}
