import { NavLink, useNavigate } from 'react-router-dom';

import { useUser } from '../api/get-me';
import { useLogout } from '../api/logout';
import { roleLabel } from '../lib';

export function UserMenu() {
  const { data: user } = useUser();
  const navigate = useNavigate();
  // Leave the page before the session is forgotten (useLogout waits for this promise).
  const logout = useLogout({ mutationConfig: { onSettled: () => navigate('/login', { replace: true }) } });
  if (!user) return null;
  return (
    <div className="user-menu">
      <span className="user-menu__name" title={user.email ?? undefined}>
        {user.display_name || user.email || `User ${user.id}`} <span className="badge">{roleLabel[user.role]}</span>
      </span>
      {/* Crowd participants have no password to change. */}
      {user.email ? <NavLink to="/account">Account</NavLink> : null}
      <button type="button" className="button button--ghost" onClick={() => logout.mutate()} disabled={logout.isPending}>
        Log out
      </button>
    </div>
  );
}
