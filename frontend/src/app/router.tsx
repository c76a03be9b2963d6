import { lazy, Suspense, useState } from 'react';
import { createBrowserRouter, Link, Navigate, RouterProvider } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import {
  AnnotateCampaignsRoute,
  MyJudgmentsRoute,
  ParticipationGate,
  ReviseJudgmentRoute,
  TaskPreview,
  TaskRoute,
  TreeTaskRoute,
} from '@/features/annotate';
import {
  AccountRoute,
  CrowdEntryRoute,
  homePathFor,
  LoginRoute,
  RequireAuth,
  ResetPasswordRoute,
  useUser,
} from '@/features/auth';

import { AppLayout } from './layout';

// Researchers' pages live in their own chunk: the annotator task screen never pays for them.
const AdminApp = lazy(() => import('@/features/admin'));

/** The admin area is told who is looking (e.g. only admins share a model with everyone). */
function AdminArea() {
  const { data: user } = useUser();
  return <AdminApp viewer={user} taskPreview={TaskPreview} />;
}

function HomeRedirect() {
  const { data: user } = useUser();
  return user ? <Navigate to={homePathFor(user)} replace /> : null;
}

function NotFound() {
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </main>
  );
}

export const routes = [
  {
    element: <AppLayout />,
    children: [
      { path: '/login', element: <LoginRoute /> },
      {
        path: '/reset-password',
        element: (
          <Suspense fallback={<Loading />}>
            <ResetPasswordRoute />
          </Suspense>
        ),
      },
      {
        path: '/account',
        element: (
          <RequireAuth>
            <Suspense fallback={<Loading />}>
              <AccountRoute />
            </Suspense>
          </RequireAuth>
        ),
      },
      {
        path: '/c/:slug',
        element: (
          <Suspense fallback={<Loading />}>
            <CrowdEntryRoute />
          </Suspense>
        ),
      },
      {
        path: '/',
        element: (
          <RequireAuth>
            <HomeRedirect />
          </RequireAuth>
        ),
      },
      {
        path: '/annotate',
        element: (
          <RequireAuth>
            <AnnotateCampaignsRoute />
          </RequireAuth>
        ),
      },
      {
        path: '/annotate/:slug',
        element: (
          <RequireAuth>
            <ParticipationGate>
              <TaskRoute />
            </ParticipationGate>
          </RequireAuth>
        ),
      },
      {
        path: '/annotate/:slug/judgments',
        element: (
          <RequireAuth>
            <MyJudgmentsRoute />
          </RequireAuth>
        ),
      },
      {
        path: '/annotate/:slug/judgments/:judgmentId/revise',
        element: (
          <RequireAuth>
            <ReviseJudgmentRoute />
          </RequireAuth>
        ),
      },
      {
        path: '/annotate/:slug/trees',
        element: (
          <RequireAuth>
            <ParticipationGate>
              <Suspense fallback={<Loading />}>
                <TreeTaskRoute />
              </Suspense>
            </ParticipationGate>
          </RequireAuth>
        ),
      },
      {
        path: '/admin/*',
        element: (
          <RequireAuth staffOnly>
            <Suspense fallback={<Loading />}>
              <AdminArea />
            </Suspense>
          </RequireAuth>
        ),
      },
      { path: '*', element: <NotFound /> },
    ],
  },
];

export function AppRouter() {
  const [router] = useState(() => createBrowserRouter(routes));
  return <RouterProvider router={router} />;
}
