import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { User } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderApp } from '@/testing/test-utils';

const participant: User = { id: 7, email: null, display_name: 'Participant 1a2b3c4d', role: 'annotator' };
const ENTER = 'POST /api/crowd/study-1/enter';
const ready = { consent: null, consented: true, survey: [], answers: null, ready: true };

describe('crowd entry link', () => {
  it('posts every query parameter, signs in and opens the item task screen', async () => {
    let signedIn = false;
    const api = mockApi({
      'GET /api/auth/me': () => (signedIn ? jsonResponse(200, participant) : errorResponse(401, 'not_authenticated', 'No')),
      [ENTER]: () => {
        signedIn = true;
        return jsonResponse(200, { slug: 'study-1', kind: 'items' });
      },
      'GET /api/annotate/study-1/participation': () => jsonResponse(200, ready),
      'GET /api/annotate/study-1/participation/completion': () =>
        jsonResponse(200, { done: 0, target: 2, completed: false, code: null, url: null }),
      'GET /api/annotate/study-1/next': () =>
        jsonResponse(200, { task: null, progress: { my_judgments: 0, items_total: 0, items_complete: 0 } }),
    });
    const router = renderApp('/c/study-1?PROLIFIC_PID=abc123&STUDY_ID=s1&SESSION_ID=x9&extra=1');

    expect(await screen.findByTestId('done')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/annotate/study-1');
    expect(api.calls(ENTER)).toHaveLength(1);
    expect(api.calls(ENTER)[0].body).toEqual({
      params: { PROLIFIC_PID: 'abc123', STUDY_ID: 's1', SESSION_ID: 'x9', extra: '1' },
      replace_session: false,
    });
    expect(screen.getByTestId('crowd-progress')).toHaveTextContent('0 of 2 tasks done');
  });

  it('opens a tree campaign on its tree screen', async () => {
    let signedIn = false;
    mockApi({
      'GET /api/auth/me': () => (signedIn ? jsonResponse(200, participant) : errorResponse(401, 'not_authenticated', 'No')),
      [ENTER]: () => {
        signedIn = true;
        return jsonResponse(200, { slug: 'study-1', kind: 'trees' });
      },
      'GET /api/annotate/study-1/participation': () => jsonResponse(200, ready),
      'GET /api/annotate/study-1/participation/completion': () =>
        jsonResponse(200, { done: 0, target: null, completed: false, code: null, url: null }),
      'GET /api/annotate/study-1/tree-tasks/next': () => jsonResponse(200, { task: null }),
    });
    const router = renderApp('/c/study-1?PROLIFIC_PID=abc123');
    expect(await screen.findByTestId('tree-done')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/annotate/study-1/trees');
  });

  it('explains a link without a participant id', async () => {
    const api = mockApi({
      'GET /api/auth/me': () => errorResponse(401, 'not_authenticated', 'No'),
      [ENTER]: () =>
        errorResponse(422, 'invalid_crowd_link', "The link needs a participant id in 'PROLIFIC_PID'"),
    });
    const router = renderApp('/c/study-1?STUDY_ID=s1');
    expect(await screen.findByRole('heading', { name: 'This link did not work' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent("The link needs a participant id in 'PROLIFIC_PID'");
    expect(screen.getByRole('alert')).toHaveTextContent('missing your participant id');
    expect(router.state.location.pathname).toBe('/c/study-1');
    expect(api.calls(ENTER)[0].body).toEqual({ params: { STUDY_ID: 's1' }, replace_session: false });
  });

  describe('in a browser signed in as someone else', () => {
    const alice: User = { id: 3, email: 'alice@example.org', display_name: 'Alice', role: 'annotator' };
    const signedInAsAlice = () =>
      errorResponse(409, 'session_exists', 'You are signed in as Alice', { display_name: 'Alice', role: 'annotator' });

    afterEach(() => {
      document.cookie = 'prefhub_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    });

    it('asks first, and switches to the study link with the session\'s CSRF token', async () => {
      document.cookie = 'prefhub_csrf=alice-csrf';
      let me: User = alice;
      const api = mockApi({
        'GET /api/auth/me': () => jsonResponse(200, me),
        [ENTER]: [
          signedInAsAlice,
          () => {
            me = participant;
            return jsonResponse(200, { slug: 'study-1', kind: 'items' });
          },
        ],
        'GET /api/annotate/study-1/participation': () => jsonResponse(200, ready),
        'GET /api/annotate/study-1/participation/completion': () =>
          jsonResponse(200, { done: 0, target: 2, completed: false, code: null, url: null }),
        'GET /api/annotate/study-1/next': () =>
          jsonResponse(200, { task: null, progress: { my_judgments: 0, items_total: 0, items_complete: 0 } }),
      });
      const router = renderApp('/c/study-1?PROLIFIC_PID=abc123');

      expect(await screen.findByRole('heading', { name: 'You are already signed in' })).toBeInTheDocument();
      expect(screen.getByTestId('crowd-session-question')).toHaveTextContent('You are signed in as Alice (Annotator)');
      expect(api.calls(ENTER)).toHaveLength(1);
      expect(router.state.location.pathname).toBe('/c/study-1');

      await userEvent.click(screen.getByRole('button', { name: 'Switch to this study link' }));
      expect(await screen.findByTestId('done')).toBeInTheDocument();
      expect(router.state.location.pathname).toBe('/annotate/study-1');
      const switched = api.calls(ENTER)[1];
      expect(switched.body).toEqual({ params: { PROLIFIC_PID: 'abc123' }, replace_session: true });
      expect(switched.headers.get('X-CSRF-Token')).toBe('alice-csrf');
    });

    it('keeps the session when asked to continue as that person', async () => {
      const api = mockApi({
        'GET /api/auth/me': () => jsonResponse(200, alice),
        [ENTER]: signedInAsAlice,
        'GET /api/annotate/campaigns': () => jsonResponse(200, { campaigns: [] }),
      });
      const router = renderApp('/c/study-1?PROLIFIC_PID=abc123');

      await userEvent.click(await screen.findByRole('button', { name: 'Continue as Alice' }));
      expect(router.state.location.pathname).toBe('/annotate');
      expect(api.calls(ENTER)).toHaveLength(1);
      expect(api.calls('POST /api/auth/logout')).toHaveLength(0);
    });
  });
});
