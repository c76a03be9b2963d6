import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';

import { useUser } from '../api/get-me';
import { LoginForm } from '../components/login-form';
import { safeRedirect } from '../lib';

export function LoginRoute() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { data: user, isPending } = useUser();
  const redirectTo = params.get('redirectTo');

  if (isPending) return <Loading />;
  if (user) return <Navigate to={safeRedirect(redirectTo, user)} replace />;

  return (
    <main className="page page--narrow">
      <LoginForm onSuccess={(u) => navigate(safeRedirect(redirectTo, u), { replace: true })} />
    </main>
  );
}
