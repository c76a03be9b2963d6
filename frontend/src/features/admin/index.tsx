import { Navigate, Route, Routes } from 'react-router-dom';

import { CampaignRoute } from './routes/campaign';
import { CampaignsRoute } from './routes/campaigns';
import { NewCampaignRoute } from './routes/new-campaign';

/** The whole admin area. The app loads this module lazily, so annotators never download it. */
export default function AdminApp() {
  return (
    <Routes>
      <Route index element={<CampaignsRoute />} />
      <Route path="campaigns" element={<Navigate to="/admin" replace />} />
      <Route path="campaigns/new" element={<NewCampaignRoute />} />
      <Route path="campaigns/:slug" element={<CampaignRoute />} />
      <Route path="*" element={<Navigate to="/admin" replace />} />
    </Routes>
  );
}
