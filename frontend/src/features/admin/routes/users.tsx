import { useSearchParams } from 'react-router-dom';

import { Loading } from '@/components/ui/spinner';

import { useUsers } from '../api/get-users';
import { NewUserForm } from '../components/new-user-form';
import { RequestError } from '../components/request-error';
import { UsersTable } from '../components/users-table';
import { isAdmin, type Viewer } from '../utils/viewer';

export const USERS_PAGE_SIZE = 50;

const pageFrom = (value: string | null) => {
  const page = Number.parseInt(value ?? '', 10);
  return Number.isFinite(page) && page >= 1 ? page : 1;
};

function Users({ viewer }: { viewer?: Viewer | null }) {
  const [searchParams, setSearchParams] = useSearchParams();
  const page = pageFrom(searchParams.get('page'));
  const offset = (page - 1) * USERS_PAGE_SIZE;
  const users = useUsers({ limit: USERS_PAGE_SIZE, offset });
  const total = users.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / USERS_PAGE_SIZE));
  const goTo = (to: number) => setSearchParams(to > 1 ? { page: String(to) } : {});
  const shown = users.data?.users ?? [];
  // While the next page loads, the previous one stays: describe what is on screen.
  const shownOffset = users.data?.offset ?? offset;

  return (
    <div className="stack">
      {users.isPending ? <Loading label="Loading users…" /> : null}
      {users.error ? <RequestError error={users.error} /> : null}
      {users.data && shown.length > 0 ? (
        <>
          <UsersTable users={shown} viewer={viewer} />
          <nav className="form__actions" aria-label="Pages of users">
            <button type="button" className="button button--small" disabled={page <= 1} onClick={() => goTo(page - 1)}>
              Previous
            </button>
            <span aria-live="polite" data-testid="users-range">
              {shownOffset + 1}–{shownOffset + shown.length} of {total}
            </span>
            <button
              type="button"
              className="button button--small"
              disabled={shownOffset + shown.length >= total || users.isPlaceholderData}
              onClick={() => goTo(page + 1)}
            >
              Next
            </button>
          </nav>
        </>
      ) : null}
      {users.data && shown.length === 0 ? (
        <p className="muted">
          {total === 0 ? 'No users yet.' : `No users on page ${page}; there are ${pages}.`}{' '}
          {page > 1 ? (
            <button type="button" className="button button--small" onClick={() => goTo(1)}>
              First page
            </button>
          ) : null}
        </p>
      ) : null}
      {/* The list is oldest first: a new account is on the last page. */}
      <NewUserForm onCreated={() => goTo(Math.ceil((total + 1) / USERS_PAGE_SIZE))} />
    </div>
  );
}

/** Accounts, for admins: create, reset a password, deactivate, end sessions. */
export function UsersRoute({ viewer }: { viewer?: Viewer | null }) {
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>Users</h1>
      </div>
      {isAdmin(viewer) ? (
        <>
          <p className="muted">
            Everyone who can sign in. A deactivated account cannot sign in, and its API tokens stop working until it is
            activated again.
          </p>
          <Users viewer={viewer} />
        </>
      ) : (
        <p className="alert alert--error" role="alert">
          Only admins manage accounts.
        </p>
      )}
    </main>
  );
}
