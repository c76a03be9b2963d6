import { Link, useNavigate } from 'react-router-dom';

import { NewCampaignForm } from '../components/new-campaign-form';

export function NewCampaignRoute() {
  const navigate = useNavigate();
  return (
    <main className="page">
      <Link to="/admin" className="back-link">
        ← Campaigns
      </Link>
      <h1>New campaign</h1>
      <NewCampaignForm onCreated={(c) => navigate(`/admin/campaigns/${encodeURIComponent(c.slug)}`)} />
    </main>
  );
}
