import { Fragment, useRef, useState } from 'react';
import { Link } from 'react-router-dom';

import type { Account, PasswordResetLink, Role } from '@/lib/api-types';

import { useActivateUser } from '../api/activate-user';
import { useChangeUserRole } from '../api/change-user-role';
import { useDeactivateUser } from '../api/deactivate-user';
import { useEndUserSessions } from '../api/end-user-sessions';
import { useIssuePasswordReset } from '../api/issue-password-reset';
import { formatDate } from '../utils/format';
import type { Viewer } from '../utils/viewer';

import { DataTable } from './data-table';
import { RequestError } from './request-error';

export const ROLE_LABELS: Record<Role, string> = { admin: 'Admin', researcher: 'Researcher', annotator: 'Annotator' };

const HEADINGS = ['E-mail', 'Name', 'Role', 'Status', 'Created', 'Actions'];

/** How an account is named in buttons and messages; crowd participants have no e-mail. */
export const accountName = (account: Account) => account.email ?? `crowd participant #${account.id}`;

/** The link as the user will open it: the server sends it relative to its own address. */
const fullLink = (link: string) => new URL(link, window.location.origin).href;

/** A freshly issued reset link: the only time it is shown. */
function ResetLink({ who, reset, onDone }: { who: string; reset: PasswordResetLink; onDone: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const link = fullLink(reset.link);
  const id = `reset-link-${reset.user_id}`;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('Copied.');
    } catch {
      // No clipboard access (an insecure origin, or denied): select it for Ctrl+C instead.
      inputRef.current?.select();
      setCopied('Selected: press Ctrl+C (or ⌘C) to copy.');
    }
  };

  return (
    <div className="alert alert--info" data-testid={id}>
      <div className="field">
        <label htmlFor={id}>Password reset link for {who}</label>
        <input
          ref={inputRef}
          id={id}
          readOnly
          className="mono"
          value={link}
          aria-describedby={`${id}-help`}
          onFocus={(e) => e.target.select()}
        />
        <small id={`${id}-help`}>
          Valid until {formatDate(reset.expires_at)}, and works once. It is shown only now and is not e-mailed: hand it
          over yourself. Issuing another link cancels this one.
        </small>
      </div>
      <div className="form__actions">
        <button type="button" className="button button--small" onClick={copy}>
          Copy link
        </button>
        <button type="button" className="button button--small" onClick={onDone}>
          Done
        </button>
        <span role="status" className="muted">
          {copied}
        </span>
      </div>
    </div>
  );
}

function UserRow({ account, isViewer }: { account: Account; isViewer: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const issue = useIssuePasswordReset();
  const deactivate = useDeactivateUser({ mutationConfig: { onSuccess: () => setConfirming(false) } });
  const activate = useActivateUser();
  const end = useEndUserSessions();
  const changeRole = useChangeUserRole();
  const who = accountName(account);
  const busy = deactivate.isPending || activate.isPending;
  const errors = [issue.error, deactivate.error, activate.error, end.error, changeRole.error].filter(Boolean);
  const ended = end.data?.ended;
  const hasDetails = confirming || issue.data || ended !== undefined || errors.length > 0;

  // Only the latest answer of each kind is shown; a new action clears the other rows' news.
  const clearNews = () => {
    deactivate.reset();
    activate.reset();
    end.reset();
    changeRole.reset();
  };

  return (
    <Fragment>
      <tr data-testid={`user-row-${account.id}`}>
        <td className={account.email ? 'mono' : 'muted'}>
          <Link to={`/admin/users/${account.id}`} aria-label={`Activity of ${who}`}>
            {account.email ?? 'crowd participant'}
          </Link>
          {isViewer ? (
            <>
              {' '}
              <span className="badge">you</span>
            </>
          ) : null}
        </td>
        <td>{account.display_name || '—'}</td>
        <td>
          <select
            aria-label={`Role of ${who}`}
            value={account.role}
            disabled={changeRole.isPending}
            onChange={(e) => {
              clearNews();
              changeRole.mutate({ userId: account.id, role: e.target.value as Role });
            }}
          >
            {(Object.keys(ROLE_LABELS) as Role[]).map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </select>
        </td>
        <td>
          <span className={`badge badge--${account.is_active ? 'active' : 'deactivated'}`}>
            {account.is_active ? 'active' : 'deactivated'}
          </span>
        </td>
        <td>{formatDate(account.created_at)}</td>
        <td>
          <div className="form__actions">
            {/* Crowd participants sign in through their study link; they have no password. */}
            {account.email ? (
              <button
                type="button"
                className="button button--small"
                aria-label={`Reset password of ${who}`}
                disabled={issue.isPending}
                onClick={() => issue.mutate(account.id)}
              >
                {issue.isPending ? 'Issuing…' : 'Reset password'}
              </button>
            ) : null}
            {account.is_active ? (
              <button
                type="button"
                className="button button--small button--danger"
                aria-label={`Deactivate ${who}`}
                aria-expanded={confirming}
                disabled={busy}
                onClick={() => {
                  clearNews();
                  setConfirming((open) => !open);
                }}
              >
                Deactivate
              </button>
            ) : (
              <button
                type="button"
                className="button button--small"
                aria-label={`Activate ${who}`}
                disabled={busy}
                onClick={() => {
                  clearNews();
                  activate.mutate(account.id);
                }}
              >
                {activate.isPending ? 'Activating…' : 'Activate'}
              </button>
            )}
            <button
              type="button"
              className="button button--small"
              aria-label={`End sessions of ${who}`}
              disabled={end.isPending}
              onClick={() => {
                clearNews();
                end.mutate(account.id);
              }}
            >
              End sessions
            </button>
          </div>
        </td>
      </tr>
      {hasDetails ? (
        <tr data-testid={`user-details-${account.id}`}>
          <td colSpan={HEADINGS.length}>
            {errors.map((error, i) => (
              <RequestError key={i} error={error} />
            ))}
            {confirming ? (
              <div className="alert alert--error" role="group" aria-label={`Confirm deactivating ${who}`}>
                <p>
                  Deactivate <strong>{who}</strong>? They are signed out everywhere and their API tokens stop working
                  until the account is activated again.
                </p>
                <div className="form__actions">
                  <button
                    type="button"
                    className="button button--small button--danger"
                    disabled={deactivate.isPending}
                    onClick={() => deactivate.mutate(account.id)}
                  >
                    {deactivate.isPending ? 'Deactivating…' : 'Yes, deactivate'}
                  </button>
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => {
                      setConfirming(false);
                      deactivate.reset();
                    }}
                  >
                    Cancel
                  </button>
                </div>
              </div>
            ) : null}
            {issue.data ? <ResetLink who={who} reset={issue.data} onDone={() => issue.reset()} /> : null}
            {ended !== undefined ? (
              <p className="alert alert--success" role="status">
                {ended === 0
                  ? `${who} had no session to end.`
                  : `Ended ${ended} session${ended === 1 ? '' : 's'} of ${who}.`}
              </p>
            ) : null}
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function UsersTable({ users, viewer }: { users: Account[]; viewer?: Viewer | null }) {
  const me = viewer?.email?.toLowerCase();
  return (
    <DataTable label="Users" headings={HEADINGS}>
      {users.map((account) => (
        <UserRow key={account.id} account={account} isViewer={!!me && account.email?.toLowerCase() === me} />
      ))}
    </DataTable>
  );
}
