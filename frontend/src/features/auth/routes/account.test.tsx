import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { User } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderApp } from '@/testing/test-utils';

const annotator: User = { id: 1, email: 'ann@example.org', display_name: 'Ann', role: 'annotator' };
const CHANGE = 'POST /api/auth/password';
const END_OTHERS = 'POST /api/auth/sessions/end-others';

async function fillPasswords(current: string, password: string, repeat = password) {
  await userEvent.type(await screen.findByLabelText('Current password'), current);
  await userEvent.type(screen.getByLabelText('New password'), password);
  await userEvent.type(screen.getByLabelText('Repeat the new password'), repeat);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('account page', () => {
  it('is linked from the header and changes the password with the CSRF header', async () => {
    document.cookie = 'prefhub_csrf=tok';
    const api = mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      'GET /api/annotate/campaigns': () => jsonResponse(200, { campaigns: [] }),
      [CHANGE]: () => jsonResponse(204),
    });
    const router = renderApp('/annotate');
    await userEvent.click(await within(screen.getByRole('banner')).findByRole('link', { name: 'Account' }));
    expect(router.state.location.pathname).toBe('/account');
    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();

    await fillPasswords('old password here', 'lamp-orbit-cactus-velvet');

    expect(await screen.findByRole('status')).toHaveTextContent('Your password is changed');
    const [call] = api.calls(CHANGE);
    expect(call.body).toEqual({ current_password: 'old password here', new_password: 'lamp-orbit-cactus-velvet' });
    expect(call.headers.get('X-CSRF-Token')).toBe('tok');
    expect(screen.getByLabelText('Current password')).toHaveValue('');
  });

  it("shows the server's reason when the new password is too weak", async () => {
    mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      [CHANGE]: () =>
        errorResponse(422, 'weak_password', 'This is a commonly used password; choose another.'),
    });
    renderApp('/account');
    await fillPasswords('old password here', 'password1234');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This is a commonly used password; choose another.');
    expect(alert).toHaveAttribute('data-error-code', 'weak_password');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows a wrong current password', async () => {
    mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      [CHANGE]: () => errorResponse(400, 'wrong_password', 'The current password is wrong'),
    });
    renderApp('/account');
    await fillPasswords('not it at all', 'lamp-orbit-cactus-velvet');
    expect(await screen.findByRole('alert')).toHaveTextContent('The current password is wrong');
  });

  it('does not send two different new passwords', async () => {
    const api = mockApi({ 'GET /api/auth/me': () => jsonResponse(200, annotator) });
    renderApp('/account');
    await fillPasswords('old password here', 'lamp-orbit-cactus-velvet', 'lamp-orbit-cactus-velvat');
    expect(await screen.findByRole('alert')).toHaveTextContent('The two passwords differ.');
    expect(screen.getByLabelText('Repeat the new password')).toHaveAttribute('aria-invalid', 'true');
    expect(api.calls(CHANGE)).toHaveLength(0);
  });

  it('signs out of the other sessions and says how many ended', async () => {
    const api = mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      [END_OTHERS]: [() => jsonResponse(200, { ended: 2 }), () => jsonResponse(200, { ended: 0 })],
    });
    renderApp('/account');
    const button = await screen.findByRole('button', { name: 'Sign out of other sessions' });
    await userEvent.click(button);
    expect(await screen.findByRole('status')).toHaveTextContent('Signed out of 2 other sessions.');
    await userEvent.click(button);
    expect(await screen.findByText('There were no other sessions.')).toBeInTheDocument();
    expect(api.calls(END_OTHERS)).toHaveLength(2);
  });

  it('sends a signed-out visitor to the login page first', async () => {
    mockApi({ 'GET /api/auth/me': () => errorResponse(401, 'not_authenticated', 'No') });
    const router = renderApp('/account');
    expect(await screen.findByLabelText('Email')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe('?redirectTo=%2Faccount');
  });
});
