import { Navigate, Route, Routes } from 'react-router-dom';

import { TaskPreviewContext, type TaskPreviewComponent } from './builder/task-preview-context';
import { AdminNav } from './components/admin-nav';
import { CampaignRoute } from './routes/campaign';
import { CampaignDataRoute } from './routes/campaign-data';
import { CampaignItemRoute } from './routes/campaign-item';
import { CampaignsRoute } from './routes/campaigns';
import { FeedbackSourceRoute } from './routes/feedback-source';
import { FeedbackSourcesRoute } from './routes/feedback-sources';
import { GroupsRoute } from './routes/groups';
import { ModelsRoute } from './routes/models';
import { NewCampaignRoute } from './routes/new-campaign';
import { TokensRoute } from './routes/tokens';
import { UserActivityRoute } from './routes/user-activity';
import { UsersRoute } from './routes/users';
import type { Viewer } from './utils/viewer';

/**
 * The whole admin area. The app loads this module lazily, so annotators never download it.
 * `viewer` is the signed-in user, handed down by the app (features never import one another), as
 * is `taskPreview`, the annotator's task screen the campaign builder previews a spec on.
 */
export default function AdminApp({ viewer, taskPreview = null }: { viewer?: Viewer | null; taskPreview?: TaskPreviewComponent | null }) {
  return (
    <TaskPreviewContext.Provider value={taskPreview}>
      <AdminNav viewer={viewer} />
      <Routes>
        <Route index element={<CampaignsRoute />} />
        <Route path="campaigns" element={<Navigate to="/admin" replace />} />
        <Route path="campaigns/new" element={<NewCampaignRoute />} />
        <Route path="campaigns/:slug" element={<CampaignRoute />} />
        <Route path="campaigns/:slug/data" element={<CampaignDataRoute />} />
        <Route path="campaigns/:slug/data/items/:itemId" element={<CampaignItemRoute />} />
        <Route path="models" element={<ModelsRoute viewer={viewer} />} />
        <Route path="users" element={<UsersRoute viewer={viewer} />} />
        <Route path="users/:userId" element={<UserActivityRoute />} />
        <Route path="groups" element={<GroupsRoute />} />
        <Route path="feedback-sources" element={<FeedbackSourcesRoute />} />
        <Route path="feedback-sources/:slug" element={<FeedbackSourceRoute />} />
        <Route path="tokens" element={<TokensRoute />} />
        <Route path="*" element={<Navigate to="/admin" replace />} />
      </Routes>
    </TaskPreviewContext.Provider>
  );
}
