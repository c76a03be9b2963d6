import { lazy } from 'react';

// Public surface of the auth feature, used by the app shell.
export { useUser } from './api/get-me';
export { meQueryKey } from './api/get-me';
export { RequireAuth } from './components/require-auth';
export { UserMenu } from './components/user-menu';
export { homePathFor, isStaff } from './lib';
export { LoginRoute } from './routes/login';
/** Crowd-platform links sign participants in; a rare page, in its own chunk. */
export const CrowdEntryRoute = lazy(() => import('./routes/crowd-entry'));
/** Rare pages too: one's password and sessions, and the page a reset link opens. */
export const AccountRoute = lazy(() => import('./routes/account'));
export const ResetPasswordRoute = lazy(() => import('./routes/reset-password'));
