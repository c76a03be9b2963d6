import { Link, useLocation } from 'react-router-dom';

import { isAdmin, type Viewer } from '../utils/viewer';

const SECTIONS = [
  { to: '/admin', label: 'Campaigns', matches: (path: string) => path === '/admin' || path.startsWith('/admin/campaigns') },
  { to: '/admin/models', label: 'Models', matches: (path: string) => path.startsWith('/admin/models') },
  {
    to: '/admin/users',
    label: 'Users',
    matches: (path: string) => path.startsWith('/admin/users'),
    adminOnly: true,
  },
  { to: '/admin/groups', label: 'Groups', matches: (path: string) => path.startsWith('/admin/groups') },
  {
    to: '/admin/feedback-sources',
    label: 'Feedback sources',
    matches: (path: string) => path.startsWith('/admin/feedback-sources'),
  },
  { to: '/admin/tokens', label: 'API tokens', matches: (path: string) => path.startsWith('/admin/tokens') },
];

/** The admin area's own navigation, under the app header; Users only for admins; API tokens are one's own. */
export function AdminNav({ viewer }: { viewer?: Viewer | null }) {
  const path = useLocation().pathname.replace(/\/+$/, '');
  return (
    <nav aria-label="Admin" className="admin-nav">
      {SECTIONS.filter((s) => !s.adminOnly || isAdmin(viewer)).map(({ to, label, matches }) => {
        const active = matches(path);
        return (
          <Link key={to} to={to} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
