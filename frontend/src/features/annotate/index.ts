import { lazy } from 'react';

// Public surface of the annotate feature, used by the app router.
export { AnnotateCampaignsRoute } from './routes/campaigns';
export { TaskRoute } from './routes/task';
export { MyJudgmentsRoute } from './routes/my-judgments';
export { ReviseJudgmentRoute } from './routes/revise-judgment';
/** Tree campaigns' screen, in its own chunk: item annotators never download it. */
export const TreeTaskRoute = lazy(() => import('./routes/tree-task'));
export { ParticipationGate } from './components/participation/participation-gate';
/** The task screen on a made-up task, for the admin campaign builder (handed to it by the app). */
export { TaskPreview, type TaskPreviewProps } from './components/task-preview';
