import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { User } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderApp } from '@/testing/test-utils';

const annotator: User = { id: 1, email: 'ann@example.org', display_name: 'Ann', role: 'annotator' };
const researcher: User = { id: 2, email: 'res@example.org', display_name: 'Rea', role: 'researcher' };
const notAuthenticated = () => errorResponse(401, 'not_authenticated', 'Not signed in.');


async function signIn(email: string, password: string) {
  await userEvent.type(await screen.findByLabelText('Email'), email);
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('auth flow', () => {
  it('sends a signed-out visitor to /login and back to the page they wanted', async () => {
    const api = mockApi({
      'GET /api/auth/me': notAuthenticated,
      'POST /api/auth/login': () => jsonResponse(200, { user: annotator }),
      'GET /api/annotate/demo/next': () =>
        jsonResponse(200, { task: null, progress: { my_judgments: 0, items_total: 0, items_complete: 0 } }),
    });
    const router = renderApp('/annotate/demo');

    await signIn('ann@example.org', 'pw');

    expect(await screen.findByTestId('done')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/annotate/demo');
    expect(api.calls('POST /api/auth/login')[0].body).toEqual({ email: 'ann@example.org', password: 'pw' });
    const header = screen.getByRole('banner');
    expect(within(header).getByText('Ann')).toBeInTheDocument();
    expect(within(header).getByRole('link', { name: 'Annotate' })).toBeInTheDocument();
    expect(within(header).queryByRole('link', { name: 'Admin' })).toBeNull();
  });

  it("shows the server's message when the password is wrong", async () => {
    mockApi({
      'GET /api/auth/me': notAuthenticated,
      'POST /api/auth/login': () => errorResponse(401, 'invalid_credentials', 'Wrong email or password.'),
    });
    const router = renderApp('/login');
    await signIn('ann@example.org', 'nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');
    expect(router.state.location.pathname).toBe('/login');
  });

  it('lands a researcher on the lazily loaded admin campaigns page', async () => {
    mockApi({
      'GET /api/auth/me': notAuthenticated,
      'POST /api/auth/login': () => jsonResponse(200, { user: researcher }),
      'GET /api/campaigns': () => jsonResponse(200, { campaigns: [] }),
    });
    const router = renderApp('/login');
    await signIn('res@example.org', 'pw');
    expect(await screen.findByRole('heading', { name: 'Campaigns' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/admin');
  });

  it('links the admin pages from the admin nav: Campaigns, Models, then API tokens', async () => {
    mockApi({
      'GET /api/auth/me': () => jsonResponse(200, researcher),
      'GET /api/campaigns': () => jsonResponse(200, { campaigns: [] }),
      'GET /api/models': () => jsonResponse(200, { models: [] }),
      'GET /api/models/secrets': () => jsonResponse(200, { secrets: [] }),
    });
    const router = renderApp('/admin');
    const nav = await screen.findByRole('navigation', { name: 'Admin' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Campaigns', 'Models', 'Groups', 'Feedback sources', 'API tokens']);
    expect(within(nav).getByRole('link', { name: 'Campaigns' })).toHaveAttribute('aria-current', 'page');
    await userEvent.click(within(nav).getByRole('link', { name: 'Models' }));
    expect(await screen.findByRole('heading', { name: 'Models' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/admin/models');
    expect(within(nav).getByRole('link', { name: 'Models' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).getByRole('link', { name: 'Campaigns' })).not.toHaveAttribute('aria-current');
  });

  it('keeps annotators out of the admin area', async () => {
    mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      'GET /api/annotate/campaigns': () =>
        jsonResponse(200, { campaigns: [{ slug: 'demo', name: 'Demo', my_judgments: 2, available: 5 }] }),
    });
    const router = renderApp('/admin/campaigns/demo');
    expect(await screen.findByRole('link', { name: 'Start Demo' })).toHaveAttribute('href', '/annotate/demo');
    expect(router.state.location.pathname).toBe('/annotate');
  });

  it('logs out from the header and returns to the login page', async () => {
    const api = mockApi({
      'GET /api/auth/me': () => jsonResponse(200, annotator),
      'GET /api/annotate/campaigns': () => jsonResponse(200, { campaigns: [] }),
      'POST /api/auth/logout': () => jsonResponse(204),
    });
    document.cookie = 'prefhub_csrf=abc';
    const router = renderApp('/annotate');
    await screen.findByText('No campaigns are open for you right now. Check back later.');
    await userEvent.click(await screen.findByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(router.state.location.search).toBe(''); // the next person to sign in starts at their home
    expect(api.calls('POST /api/auth/logout')[0].headers.get('X-CSRF-Token')).toBe('abc');
    expect(await screen.findByLabelText('Email')).toBeInTheDocument();
    expect(within(screen.getByRole('banner')).queryByRole('button', { name: 'Log out' })).toBeNull();
    expect(within(screen.getByRole('banner')).queryByRole('navigation')).toBeNull();
  });
});
