import { lazy, Suspense, useState } from 'react';
import { createBrowserRouter, Link, Navigate, RouterProvider } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';
import { AnnotateCampaignsRoute, TaskRoute, TreeTaskRoute } from '@/features/annotate';
import { homePathFor, LoginRoute, RequireAuth, useUser } from '@/features/auth';

import { AppLayout } from './layout';

// Researchers' pages live in their own chunk: the annotator task screen never pays for them.
const AdminApp = lazy(() => import('@/features/admin'));

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
            <TaskRoute />
          </RequireAuth>
        ),
      },
      {
        path: '/annotate/:slug/trees',
        element: (
          <RequireAuth>
            <Suspense fallback={<Loading />}>
              <TreeTaskRoute />
            </Suspense>
          </RequireAuth>
        ),
      },
      {
        path: '/admin/*',
        element: (
          <RequireAuth staffOnly>
            <Suspense fallback={<Loading />}>
              <AdminApp />
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
