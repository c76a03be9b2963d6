import { Navigate, Route, Routes } from 'react-router-dom';

import { AdminNav } from './components/admin-nav';
import { CampaignRoute } from './routes/campaign';
import { CampaignsRoute } from './routes/campaigns';
import { ModelsRoute } from './routes/models';
import { NewCampaignRoute } from './routes/new-campaign';

/** The whole admin area. The app loads this module lazily, so annotators never download it. */
export default function AdminApp() {
  return (
    <>
      <AdminNav />
      <Routes>
        <Route index element={<CampaignsRoute />} />
        <Route path="campaigns" element={<Navigate to="/admin" replace />} />
        <Route path="campaigns/new" element={<NewCampaignRoute />} />
        <Route path="campaigns/:slug" element={<CampaignRoute />} />
        <Route path="models" element={<ModelsRoute />} />
        <Route path="*" element={<Navigate to="/admin" replace />} />
      </Routes>
    </>
  );
}
