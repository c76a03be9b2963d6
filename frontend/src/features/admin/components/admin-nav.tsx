import { Link, useLocation } from 'react-router-dom';

const SECTIONS = [
  { to: '/admin', label: 'Campaigns', matches: (path: string) => path === '/admin' || path.startsWith('/admin/campaigns') },
  { to: '/admin/models', label: 'Models', matches: (path: string) => path.startsWith('/admin/models') },
];

/** The admin area's own navigation, under the app header. */
export function AdminNav() {
  const path = useLocation().pathname.replace(/\/+$/, '');
  return (
    <nav aria-label="Admin" className="admin-nav">
      {SECTIONS.map(({ to, label, matches }) => {
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
