import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, jsonResponse, mockApi, renderApp } from '@/testing/test-utils';

const RESET = 'POST /api/auth/password-reset';
const signedOut = () => errorResponse(401, 'not_authenticated', 'No');

async function setPassword(password: string, repeat = password) {
  await userEvent.type(await screen.findByLabelText('New password'), password);
  await userEvent.type(screen.getByLabelText('Repeat the new password'), repeat);
  await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
}

describe('reset password page', () => {
  it('sends the token from the link fragment with the new password, then offers to sign in', async () => {
    const api = mockApi({ 'GET /api/auth/me': signedOut, [RESET]: () => jsonResponse(204) });
    const router = renderApp('/reset-password#token=abc-DEF_123');
    await setPassword('lamp-orbit-cactus-velvet');
    expect(await screen.findByRole('status')).toHaveTextContent('Your new password is set');
    expect(api.calls(RESET)[0].body).toEqual({ token: 'abc-DEF_123', new_password: 'lamp-orbit-cactus-velvet' });
    await userEvent.click(screen.getByRole('link', { name: 'Sign in' }));
    expect(router.state.location.pathname).toBe('/login');
  });

  it("shows the server's answer to a used or expired link", async () => {
    mockApi({
      'GET /api/auth/me': signedOut,
      [RESET]: () =>
        errorResponse(400, 'invalid_reset_token', 'This reset link is unknown, used or expired; ask for a new one'),
    });
    renderApp('/reset-password#token=used');
    await setPassword('lamp-orbit-cactus-velvet');
    expect(await screen.findByRole('alert')).toHaveTextContent('This reset link is unknown, used or expired');
    expect(screen.queryByRole('link', { name: 'Sign in' })).toBeNull();
  });

  it("shows the server's reason for refusing a weak password, and the form stays", async () => {
    mockApi({
      'GET /api/auth/me': signedOut,
      [RESET]: () => errorResponse(422, 'weak_password', 'This password is too easy to guess. Add another word or two.'),
    });
    renderApp('/reset-password#token=t');
    await setPassword('123456789012');
    expect(await screen.findByRole('alert')).toHaveTextContent('This password is too easy to guess.');
    expect(screen.getByRole('button', { name: 'Set password' })).toBeEnabled();
  });

  it('does not send two different passwords', async () => {
    const api = mockApi({ 'GET /api/auth/me': signedOut });
    renderApp('/reset-password#token=t');
    await setPassword('lamp-orbit-cactus-velvet', 'something else entirely');
    expect(await screen.findByRole('alert')).toHaveTextContent('The two passwords differ.');
    expect(api.calls(RESET)).toHaveLength(0);
  });

  it('explains a link without its token and shows no form', async () => {
    mockApi({ 'GET /api/auth/me': signedOut });
    renderApp('/reset-password');
    expect(await screen.findByRole('alert')).toHaveTextContent('This link is incomplete');
    expect(screen.queryByLabelText('New password')).toBeNull();
  });
});
