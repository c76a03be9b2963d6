import { NavLink, Outlet } from 'react-router-dom';

import { isStaff, UserMenu, useUser } from '@/features/auth';

export function AppLayout() {
  const { data: user } = useUser();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header__inner">
          <NavLink to="/" className="brand">
            prefhub
          </NavLink>
          {user ? (
            <nav aria-label="Main" className="app-nav">
              <NavLink to="/annotate">Annotate</NavLink>
              {isStaff(user) ? <NavLink to="/admin">Admin</NavLink> : null}
            </nav>
          ) : null}
          <UserMenu />
        </div>
      </header>
      <div id="main" className="app-main">
        <Outlet />
      </div>
    </>
  );
}
