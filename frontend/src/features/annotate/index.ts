// Public surface of the annotate feature, used by the app router.
export { AnnotateCampaignsRoute } from './routes/campaigns';
export { TaskRoute } from './routes/task';
