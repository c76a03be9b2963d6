import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';

import type { ApiToken } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import AdminApp from '../index';

const LIST = 'GET /api/auth/tokens';
const CREATE = 'POST /api/auth/tokens';

const token = (id: number, extra: Partial<ApiToken> = {}): ApiToken => ({
  id,
  name: `token ${id}`,
  token_prefix: `ph_${id}abc`,
  created_at: '2025-03-01T09:30:00Z',
  last_used_at: null,
  revoked_at: null,
  ...extra,
});

const used = token(1, { name: 'notebook', last_used_at: '2025-03-04T12:00:00Z' });
const old = token(2, { name: 'old script', revoked_at: '2025-03-03T08:00:00Z' });

/** The page as the app shows it: inside the admin area, with its navigation. */
const renderTokens = () =>
  renderRoute(<AdminApp viewer={{ role: 'researcher', email: 'rea@example.org' }} />, {
    path: '/admin/*',
    url: '/admin/tokens',
  });

const cellsOf = (id: number) =>
  within(screen.getByTestId(`token-row-${id}`))
    .getAllByRole('cell')
    .map((c) => c.textContent);

describe('API tokens page', () => {
  it('is in the admin navigation for researchers and lists tokens: name, prefix, dates, status', async () => {
    mockApi({ [LIST]: () => jsonResponse(200, [used, old]) });
    renderTokens();

    const nav = screen.getByRole('navigation', { name: 'Admin' });
    expect(within(nav).getByRole('link', { name: 'API tokens' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'API tokens' })).toBeInTheDocument();

    await screen.findByTestId('token-row-1');
    const date = (iso: string) => new Date(iso).toLocaleString();
    expect(cellsOf(1)).toEqual(['notebook', 'ph_1abc…', date(used.created_at), date(used.last_used_at!), 'active', 'Revoke']);
    expect(cellsOf(2)).toEqual([
      'old script',
      'ph_2abc…',
      date(old.created_at),
      'never',
      `revoked ${date(old.revoked_at!)}`,
      '',
    ]);
    expect(within(screen.getByTestId('token-row-2')).queryByRole('button')).toBeNull();
  });

  it('says when there is none yet', async () => {
    mockApi({ [LIST]: () => jsonResponse(200, []) });
    renderTokens();
    expect(await screen.findByText('No tokens yet.')).toBeInTheDocument();
  });

  it('creates a token and shows its secret once, with a copy button and a warning', async () => {
    const created = { ...token(3, { name: 'ci job' }), token: 'ph_3abc-the-whole-secret' };
    const api = mockApi({
      [LIST]: [() => jsonResponse(200, []), () => jsonResponse(200, [token(3, { name: 'ci job' })])],
      [CREATE]: () => jsonResponse(201, created),
    });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderTokens();
    await screen.findByText('No tokens yet.');

    const form = screen.getByRole('form', { name: 'New token' });
    const create = within(form).getByRole('button', { name: 'Create token' });
    expect(create).toBeDisabled(); // a token needs a name
    await userEvent.type(within(form).getByLabelText('Name'), '  ci job ');
    await userEvent.click(create);

    const secret = await screen.findByLabelText('Token “ci job”');
    expect(api.calls(CREATE).map((c) => c.body)).toEqual([{ name: 'ci job' }]);
    expect(secret).toHaveValue('ph_3abc-the-whole-secret');
    expect(secret).toHaveAttribute('readonly');
    expect(secret).toHaveAccessibleDescription(/it will not be shown again/);
    // The list reloads with the new token; the name field is cleared for the next one.
    await screen.findByTestId('token-row-3');
    expect(within(form).getByLabelText('Name')).toHaveValue('');

    const box = screen.getByTestId('new-token');
    await userEvent.click(within(box).getByRole('button', { name: 'Copy token' }));
    expect(writeText).toHaveBeenCalledWith('ph_3abc-the-whole-secret');
    expect(within(box).getByRole('status')).toHaveTextContent('Copied to the clipboard.');

    await userEvent.click(within(box).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByTestId('new-token')).toBeNull();
    expect(screen.queryByDisplayValue('ph_3abc-the-whole-secret')).toBeNull();
  });

  it("shows the server's refusal of a new token", async () => {
    mockApi({
      [LIST]: () => jsonResponse(200, []),
      [CREATE]: () => errorResponse(403, 'forbidden', 'API tokens are for researchers and admins'),
    });
    renderTokens();
    const form = screen.getByRole('form', { name: 'New token' });
    await userEvent.type(within(form).getByLabelText('Name'), 'x');
    await userEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('API tokens are for researchers and admins');
    expect(screen.queryByTestId('new-token')).toBeNull();
  });

  it('revokes only after a confirmation, then shows the token as revoked', async () => {
    const revokedAt = '2025-03-05T10:00:00Z';
    const api = mockApi({
      [LIST]: [() => jsonResponse(200, [used]), () => jsonResponse(200, [{ ...used, revoked_at: revokedAt }])],
      'DELETE /api/auth/tokens/1': () => jsonResponse(204),
    });
    renderTokens();
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke notebook' }));

    const confirm = screen.getByRole('group', { name: 'Confirm revoking notebook' });
    expect(confirm).toHaveTextContent('Every program that uses it is refused (401) from now on');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group', { name: /Confirm revoking/ })).toBeNull();
    expect(api.calls('DELETE /api/auth/tokens/1')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Revoke notebook' }));
    await userEvent.click(
      within(screen.getByRole('group', { name: 'Confirm revoking notebook' })).getByRole('button', {
        name: 'Yes, revoke',
      }),
    );
    await waitFor(() => expect(cellsOf(1)[4]).toBe(`revoked ${new Date(revokedAt).toLocaleString()}`));
    expect(api.calls('DELETE /api/auth/tokens/1')).toHaveLength(1);
    expect(screen.queryByRole('group', { name: /Confirm revoking/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Revoke notebook' })).toBeNull();
  });
});
