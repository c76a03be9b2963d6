import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useUser } from '../api/get-me';
import { consumeSignedOutOnPurpose, homePathFor, isStaff } from '../lib';

type RequireAuthProps = { children: ReactNode; staffOnly?: boolean };

/** Renders children for a signed-in user; otherwise sends them to /login and back afterwards. */
export function RequireAuth({ children, staffOnly = false }: RequireAuthProps) {
  const { data: user, isPending, error, refetch } = useUser();
  const location = useLocation();

  if (isPending) return <Loading label="Checking your session…" />;
  if (error && user === undefined) {
    return (
      <main className="page">
        <ErrorMessage error={error} title="Could not check your session.">
          <button type="button" className="button" onClick={() => refetch()}>
            Try again
          </button>
        </ErrorMessage>
      </main>
    );
  }
  if (!user) {
    if (consumeSignedOutOnPurpose()) return <Navigate to="/login" replace />;
    const redirectTo = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?redirectTo=${encodeURIComponent(redirectTo)}`} replace />;
  }
  if (staffOnly && !isStaff(user)) return <Navigate to={homePathFor(user)} replace />;
  return <>{children}</>;
}
