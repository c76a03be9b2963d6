import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';

import type { Account } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import AdminApp from '../index';
import type { Viewer } from '../utils/viewer';

import { UsersRoute } from './users';

const admin: Viewer = { role: 'admin', email: 'boss@example.org' };
const researcher: Viewer = { role: 'researcher', email: 'rea@example.org' };

const account = (id: number, extra: Partial<Account> = {}): Account => ({
  id,
  email: `user${id}@example.org`,
  display_name: `User ${id}`,
  role: 'annotator',
  is_active: true,
  created_at: '2025-03-01T09:30:00Z',
  ...extra,
});

const boss = account(1, { email: 'boss@example.org', display_name: 'Boss', role: 'admin' });
const ann = account(7, { email: 'ann@example.org', display_name: 'Ann' });
const crowd = account(8, { email: null, display_name: '' });

const page = (users: Account[], { total = users.length, offset = 0 } = {}) =>
  jsonResponse(200, { users, total, limit: 50, offset });

const FIRST = 'GET /api/users?limit=50&offset=0';
const SECOND = 'GET /api/users?limit=50&offset=50';

const renderUsers = (viewer: Viewer = admin, url = '/admin/users') =>
  renderRoute(<UsersRoute viewer={viewer} />, { path: '/admin/users', url });

const rowOf = (id: number) => screen.getByTestId(`user-row-${id}`);
// A cell holding a select reads as its chosen option.
const cellText = (cell: HTMLElement) => {
  const select = cell.querySelector('select');
  return select ? select.selectedOptions[0]?.textContent : cell.textContent;
};
const cellsOf = (id: number) => within(rowOf(id)).getAllByRole('cell').map(cellText);

describe('admin users page', () => {
  it('lists accounts (crowd participants without an e-mail) and pages through them', async () => {
    const rest = Array.from({ length: 47 }, (_, i) => account(100 + i));
    const later = [account(200), account(201, { is_active: false })];
    const api = mockApi({
      [FIRST]: () => page([boss, ann, crowd, ...rest], { total: 52 }),
      [SECOND]: () => page(later, { total: 52, offset: 50 }),
    });
    renderUsers();

    await screen.findByTestId('user-row-7');
    const created = new Date('2025-03-01T09:30:00Z').toLocaleString();
    expect(cellsOf(7).slice(0, 5)).toEqual(['ann@example.org', 'Ann', 'Annotator', 'active', created]);
    expect(cellsOf(8).slice(0, 5)).toEqual(['crowd participant', '—', 'Annotator', 'active', created]);
    // The viewer's own row is marked.
    expect(cellsOf(1)[0]).toBe('boss@example.org you');
    // A crowd account has no password to reset.
    expect(within(rowOf(8)).queryByRole('button', { name: /Reset password/ })).toBeNull();
    expect(within(rowOf(7)).getByRole('button', { name: 'Reset password of ann@example.org' })).toBeInTheDocument();

    const pager = screen.getByRole('navigation', { name: 'Pages of users' });
    expect(within(pager).getByTestId('users-range')).toHaveTextContent('1–50 of 52');
    expect(within(pager).getByRole('button', { name: 'Previous' })).toBeDisabled();
    await userEvent.click(within(pager).getByRole('button', { name: 'Next' }));

    await screen.findByTestId('user-row-201');
    expect(screen.queryByTestId('user-row-7')).toBeNull();
    expect(cellsOf(201)[3]).toBe('deactivated');
    expect(within(rowOf(201)).getByRole('button', { name: 'Activate user201@example.org' })).toBeInTheDocument();
    expect(within(pager).getByTestId('users-range')).toHaveTextContent('51–52 of 52');
    expect(within(pager).getByRole('button', { name: 'Next' })).toBeDisabled();
    expect(api.calls(SECOND)).toHaveLength(1);

    await userEvent.click(within(pager).getByRole('button', { name: 'Previous' }));
    await screen.findByTestId('user-row-7');
  });

  it("shows the server's weak-password advice at the password field, until the password changes", async () => {
    const advice =
      'This password is too easy to guess. This is similar to a commonly used password. Add another word or two.';
    const api = mockApi({
      [FIRST]: () => page([boss]),
      'POST /api/users': () => errorResponse(422, 'weak_password', advice, { warning: '', suggestions: [] }),
    });
    renderUsers();
    const form = screen.getByRole('form', { name: 'New user' });
    await userEvent.type(within(form).getByLabelText('E-mail'), 'new@example.org');
    await userEvent.type(within(form).getByLabelText('Display name (optional)'), 'Newt');
    await userEvent.selectOptions(within(form).getByLabelText('Role'), 'researcher');
    const password = within(form).getByLabelText('Password');
    await userEvent.type(password, 'password1234');
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));

    await waitFor(() => expect(password).toHaveAttribute('aria-invalid', 'true'));
    expect(password).toHaveAccessibleDescription(advice);
    // At the field only, not repeated above the form.
    expect(within(form).getAllByText(advice)).toHaveLength(1);
    expect(api.calls('POST /api/users')[0].body).toEqual({
      email: 'new@example.org',
      display_name: 'Newt',
      role: 'researcher',
      password: 'password1234',
    });

    await userEvent.type(password, ' and more');
    expect(password).not.toHaveAttribute('aria-invalid');
    expect(within(form).queryByText(advice)).toBeNull();
  });

  it('creates a user and shows the page with them', async () => {
    const created = { id: 3, email: 'new@example.org', display_name: '', role: 'annotator' };
    const api = mockApi({
      [FIRST]: [() => page([boss]), () => page([boss, account(3, { email: 'new@example.org', display_name: '' })])],
      'POST /api/users': () => jsonResponse(201, created),
    });
    renderUsers();
    await screen.findByTestId('user-row-1');
    const form = screen.getByRole('form', { name: 'New user' });
    await userEvent.type(within(form).getByLabelText('E-mail'), 'new@example.org');
    await userEvent.type(within(form).getByLabelText('Password'), 'violet tractor murmurs softly');
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));

    expect(await within(form).findByRole('status')).toHaveTextContent('Created new@example.org.');
    expect(await screen.findByTestId('user-row-3')).toBeInTheDocument();
    expect(within(form).getByLabelText('Password')).toHaveValue('');
    expect(api.calls('POST /api/users')[0].body).toMatchObject({ role: 'annotator', display_name: '' });
  });

  it('shows a reset link once, with the address of this site, its expiry and a copy button', async () => {
    const expires = '2025-03-02T09:30:00Z';
    const api = mockApi({
      [FIRST]: () => page([boss, ann]),
      'POST /api/users/7/password-reset': () =>
        jsonResponse(201, { user_id: 7, token: 'tok-123', link: '/reset-password#token=tok-123', expires_at: expires }),
    });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderUsers();
    await userEvent.click(await screen.findByRole('button', { name: 'Reset password of ann@example.org' }));

    const link = await screen.findByLabelText('Password reset link for ann@example.org');
    const expected = `${window.location.origin}/reset-password#token=tok-123`;
    expect(link).toHaveValue(expected);
    expect(link).toHaveAttribute('readonly');
    expect(link).toHaveAccessibleDescription(new RegExp(`Valid until ${new Date(expires).toLocaleString()}`));
    expect(api.calls('POST /api/users/7/password-reset')).toHaveLength(1);

    const box = screen.getByTestId('reset-link-7');
    await userEvent.click(within(box).getByRole('button', { name: 'Copy link' }));
    expect(writeText).toHaveBeenCalledWith(expected);
    expect(within(box).getByRole('status')).toHaveTextContent('Copied.');

    await userEvent.click(within(box).getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('reset-link-7')).toBeNull();
    expect(screen.queryByDisplayValue(expected)).toBeNull();
  });

  it('deactivates only after a confirmation, and then shows the account as deactivated', async () => {
    const deactivated = { ...ann, is_active: false };
    const api = mockApi({
      [FIRST]: [() => page([boss, ann]), () => page([boss, deactivated])],
      'POST /api/users/7/deactivate': () => jsonResponse(200, deactivated),
    });
    renderUsers();
    await userEvent.click(await screen.findByRole('button', { name: 'Deactivate ann@example.org' }));

    const confirm = screen.getByRole('group', { name: 'Confirm deactivating ann@example.org' });
    expect(confirm).toHaveTextContent('They are signed out everywhere and their API tokens stop working');
    expect(api.calls('POST /api/users/7/deactivate')).toHaveLength(0);

    // Cancel sends nothing.
    await userEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group', { name: /Confirm deactivating/ })).toBeNull();
    expect(api.calls('POST /api/users/7/deactivate')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Deactivate ann@example.org' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, deactivate' }));

    await waitFor(() => expect(cellsOf(7)[3]).toBe('deactivated'));
    expect(api.calls('POST /api/users/7/deactivate')).toHaveLength(1);
    expect(screen.queryByRole('group', { name: /Confirm deactivating/ })).toBeNull();
    expect(within(rowOf(7)).getByRole('button', { name: 'Activate ann@example.org' })).toBeInTheDocument();
    expect(within(rowOf(7)).queryByRole('button', { name: /^Deactivate/ })).toBeNull();
  });

  it("shows the server's refusal when an admin tries to deactivate themselves", async () => {
    mockApi({
      [FIRST]: () => page([boss, ann]),
      'POST /api/users/1/deactivate': () =>
        errorResponse(409, 'cannot_deactivate_self', 'You cannot deactivate your own account'),
    });
    renderUsers();
    await userEvent.click(await screen.findByRole('button', { name: 'Deactivate boss@example.org' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, deactivate' }));

    const alert = await within(screen.getByTestId('user-details-1')).findByRole('alert');
    expect(alert).toHaveTextContent('You cannot deactivate your own account');
    expect(alert).toHaveAttribute('data-error-code', 'cannot_deactivate_self');
    expect(cellsOf(1)[3]).toBe('active');
  });

  it('changes a role and shows the refusal to demote the last admin', async () => {
    const promoted = { ...ann, role: 'researcher' as const };
    const api = mockApi({
      [FIRST]: [() => page([boss, ann]), () => page([boss, promoted])],
      'PUT /api/users/7/role': () => jsonResponse(200, promoted),
      'PUT /api/users/1/role': () =>
        errorResponse(409, 'last_admin', 'This is the last active admin; make someone else admin first'),
    });
    renderUsers();
    await userEvent.selectOptions(await screen.findByRole('combobox', { name: 'Role of ann@example.org' }), 'researcher');
    await waitFor(() => expect(cellsOf(7)[2]).toBe('Researcher'));
    expect(api.calls('PUT /api/users/7/role')[0]?.body).toEqual({ role: 'researcher' });

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Role of boss@example.org' }), 'annotator');
    const alert = await within(screen.getByTestId('user-details-1')).findByRole('alert');
    expect(alert).toHaveAttribute('data-error-code', 'last_admin');
    expect(cellsOf(1)[2]).toBe('Admin');
  });

  it('ends the sessions of a user and says how many ended', async () => {
    mockApi({
      [FIRST]: () => page([boss, ann]),
      'POST /api/users/7/sessions/end': [() => jsonResponse(200, { ended: 2 }), () => jsonResponse(200, { ended: 0 })],
    });
    renderUsers();
    const button = await screen.findByRole('button', { name: 'End sessions of ann@example.org' });
    await userEvent.click(button);
    expect(await screen.findByRole('status')).toHaveTextContent('Ended 2 sessions of ann@example.org.');
    await userEvent.click(button);
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('ann@example.org had no session to end.'));
  });
});

describe('admin users page access', () => {
  const renderAdmin = (viewer: Viewer, url: string) =>
    renderRoute(<AdminApp viewer={viewer} />, { path: '/admin/*', url });

  it('shows researchers no Users link and refuses them the page without asking the server', async () => {
    const api = mockApi({});
    renderAdmin(researcher, '/admin/users');
    const nav = screen.getByRole('navigation', { name: 'Admin' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Campaigns', 'Models', 'Groups', 'Feedback sources', 'API tokens']);
    expect(await screen.findByRole('alert')).toHaveTextContent('Only admins manage accounts.');
    expect(screen.queryByRole('form', { name: 'New user' })).toBeNull();
    expect(api.requests).toHaveLength(0);
  });

  it('links the Users page for admins', async () => {
    mockApi({ [FIRST]: () => page([boss]) });
    renderAdmin(admin, '/admin/users');
    const nav = screen.getByRole('navigation', { name: 'Admin' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Campaigns', 'Models', 'Users', 'Groups', 'Feedback sources', 'API tokens']);
    expect(within(nav).getByRole('link', { name: 'Users' })).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByTestId('user-row-1')).toBeInTheDocument();
  });
});
