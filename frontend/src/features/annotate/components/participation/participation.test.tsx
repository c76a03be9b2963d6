import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { CompletionState, NextTaskResponse, ParticipationState, Task } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { TaskRoute } from '../../routes/task';

import { ParticipationGate } from './participation-gate';

const PARTICIPATION = 'GET /api/annotate/demo/participation';
const CONSENT = 'POST /api/annotate/demo/participation/consent';
const PROFILE = 'POST /api/annotate/demo/participation/profile';
const COMPLETION = 'GET /api/annotate/demo/participation/completion';
const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';

const survey: ParticipationState['survey'] = [
  {
    id: 'age_band',
    prompt: 'Your age',
    kind: 'single_choice',
    options: [
      { id: 'young', label: '18-34' },
      { id: 'older', label: '35+' },
    ],
    required: true,
    max_length: 500,
  },
  {
    id: 'languages',
    prompt: 'Languages you read',
    kind: 'multiple_choice',
    options: [
      { id: 'en', label: 'English' },
      { id: 'de', label: 'German' },
    ],
    required: true,
    max_length: 500,
  },
  { id: 'hours', prompt: 'Hours online a day', kind: 'number', min: 0, max: 24, required: true, max_length: 500 },
  { id: 'values', prompt: 'What matters most in an answer?', kind: 'text', required: false, max_length: 20 },
];

const state = (over: Partial<ParticipationState> = {}): ParticipationState => ({
  consent: 'We keep your answers to **train models**.',
  consented: false,
  survey,
  answers: null,
  ready: false,
  ...over,
});

const completion = (over: Partial<CompletionState> = {}): CompletionState => ({
  done: 0,
  target: 2,
  completed: false,
  code: null,
  url: null,
  ...over,
});

const task = (id: number): Task => ({
  assignment_id: id,
  item_id: 100 + id,
  expires_at: '2030-01-01T00:00:00Z',
  campaign: { slug: 'demo', name: 'Demo', guidelines: '' },
  context: [{ role: 'user', content: [{ type: 'text', text: 'Hi?' }] }],
  candidates: [
    { label: 'A', content: [{ type: 'text', text: 'Hello.' }] },
    { label: 'B', content: [{ type: 'text', text: 'Hey.' }] },
  ],
  questions: [
    { kind: 'pairwise', id: 'preference', prompt: 'Which is better?', help: '', allow_tie: true, allow_both_bad: true, strength: false },
  ],
});

const progress = { my_judgments: 0, items_total: 5, items_complete: 0 };
const next = (t: Task | null) => () => jsonResponse(200, { task: t, progress } satisfies NextTaskResponse);

const renderGate = () =>
  renderRoute(
    <ParticipationGate>
      <TaskRoute />
    </ParticipationGate>,
    { path: '/annotate/:slug', url: '/annotate/demo' },
  );

describe('participation before the first task', () => {
  it('asks for consent, then the survey, shows a 422 next to its question, then starts the tasks', async () => {
    const api = mockApi({
      [PARTICIPATION]: () => jsonResponse(200, state()),
      [COMPLETION]: () => jsonResponse(200, completion({ target: null })),
      [CONSENT]: () => jsonResponse(200, state({ consented: true })),
      [PROFILE]: [
        () => errorResponse(422, 'invalid_profile', 'answers.hours: must be between 0 and 24', [
          { field: 'answers.hours', message: 'must be between 0 and 24' },
        ]),
        () => jsonResponse(200, state({ consented: true, answers: {}, ready: true })),
      ],
      [NEXT]: next(task(1)),
    });
    renderGate();

    const consent = await screen.findByTestId('consent');
    expect(within(consent).getByText('train models').tagName).toBe('STRONG');
    expect(api.calls(NEXT)).toHaveLength(0); // no task is leased before onboarding
    await userEvent.click(screen.getByRole('button', { name: 'I agree' }));
    expect(api.calls(CONSENT)[0].body).toEqual({ agree: true });

    await screen.findByTestId('survey');
    // Nothing answered: every required question says so, and nothing is sent.
    await userEvent.click(screen.getByRole('button', { name: 'Continue to the tasks' }));
    expect(screen.getByTestId('survey-age_band-error')).toHaveTextContent('Please answer this question.');
    expect(screen.getByTestId('survey-languages-error')).toHaveTextContent('Choose at least one.');
    expect(screen.queryByTestId('survey-values-error')).toBeNull();
    expect(api.calls(PROFILE)).toHaveLength(0);
    expect(screen.getByRole('radio', { name: '18-34' })).toHaveFocus();

    await userEvent.click(screen.getByRole('radio', { name: '35+' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'German' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'English' }));
    await userEvent.type(screen.getByRole('spinbutton', { name: /Hours online a day/ }), '3.5');
    await userEvent.type(screen.getByRole('textbox', { name: /What matters most/ }), 'honesty');
    await userEvent.click(screen.getByRole('button', { name: 'Continue to the tasks' }));

    const hours = screen.getByRole('spinbutton', { name: /Hours online a day/ });
    expect(await screen.findByTestId('survey-hours-error')).toHaveTextContent('must be between 0 and 24');
    expect(within(screen.getByTestId('survey-hours')).getByText('must be between 0 and 24')).toBeInTheDocument();
    expect(hours).toHaveAttribute('aria-invalid', 'true');
    expect(hours).toHaveAccessibleDescription(/must be between 0 and 24/);
    expect(hours).toHaveFocus();
    expect(api.calls(PROFILE)[0].body).toEqual({
      answers: { age_band: 'older', languages: ['de', 'en'], hours: 3.5, values: 'honesty' },
    });

    await userEvent.clear(hours);
    await userEvent.type(hours, '4');
    expect(screen.queryByTestId('survey-hours-error')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Continue to the tasks' }));

    expect(await screen.findByTestId('task')).toHaveAttribute('data-assignment-id', '1');
    expect(api.calls(PROFILE)[1].body).toEqual({
      answers: { age_band: 'older', languages: ['de', 'en'], hours: 4, values: 'honesty' },
    });
    expect(api.calls(NEXT)).toHaveLength(1);
  });

  it('goes straight to the tasks when nothing is asked', async () => {
    mockApi({
      [PARTICIPATION]: () => jsonResponse(200, state({ consent: null, consented: true, survey: [], ready: true })),
      [COMPLETION]: () => jsonResponse(200, completion({ target: null })),
      [NEXT]: next(task(1)),
    });
    renderGate();
    expect(await screen.findByTestId('task')).toBeInTheDocument();
    expect(screen.queryByTestId('crowd-progress')).toBeNull();
  });

  it('re-checks when next says onboarding_required, and shows the form', async () => {
    const api = mockApi({
      [PARTICIPATION]: [
        () => jsonResponse(200, state({ consent: null, consented: true, survey: [], ready: true })),
        () => jsonResponse(200, state()),
      ],
      [COMPLETION]: () => jsonResponse(200, completion({ target: null })),
      [NEXT]: () => errorResponse(409, 'onboarding_required', 'Please read and agree to the consent form first'),
    });
    renderGate();
    expect(await screen.findByTestId('consent')).toBeInTheDocument();
    const order = api.requests.map((r) => `${r.method} ${r.url}`);
    expect(order.lastIndexOf(PARTICIPATION)).toBeGreaterThan(order.indexOf(NEXT));
  });
});

describe('crowd progress and completion', () => {
  it('shows n of target, then the completion code after the last task', async () => {
    const api = mockApi({
      [PARTICIPATION]: () => jsonResponse(200, state({ consented: true, ready: true, answers: {} })),
      [COMPLETION]: [
        () => jsonResponse(200, completion({ done: 1 })),
        () => jsonResponse(200, completion({ done: 2, completed: true, code: 'C1A2B3', url: null })),
      ],
      [NEXT]: [next(task(2)), next(null)],
      [SUBMIT]: () => jsonResponse(200, { judgment_id: 9, undo_until: null }),
    });
    renderGate();

    await screen.findByTestId('task');
    expect(screen.getByTestId('crowd-progress')).toHaveTextContent('1 of 2 tasks done');
    expect(screen.getByRole('progressbar', { name: 'Study progress' })).toHaveAttribute('aria-valuenow', '1');
    await userEvent.keyboard('1');

    const done = await screen.findByTestId('completion');
    expect(within(done).getByTestId('completion-code')).toHaveTextContent('C1A2B3');
    expect(screen.queryByTestId('done')).toBeNull();
    expect(screen.queryByTestId('crowd-progress')).toBeNull();
    expect(screen.queryByRole('link', { name: 'Return to the study' })).toBeNull();
    expect(api.calls(SUBMIT)).toHaveLength(1);
  });

  it('copies the code and returns to the study after a countdown', async () => {
    const url = 'https://app.prolific.com/submissions/complete?cc=C1A2B3';
    mockApi({
      [PARTICIPATION]: () => jsonResponse(200, state({ consented: true, ready: true, answers: {} })),
      [COMPLETION]: () => jsonResponse(200, completion({ done: 2, completed: true, code: 'C1A2B3', url })),
    });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderGate();
      expect(await screen.findByTestId('completion-code')).toHaveTextContent('C1A2B3');
      expect(screen.getByRole('link', { name: 'Return to the study' })).toHaveAttribute('href', url);

      await userEvent.click(screen.getByRole('button', { name: 'Copy code' }));
      expect(writeText).toHaveBeenCalledWith('C1A2B3');
      expect(screen.getByRole('status')).toHaveTextContent('Copied.');

      await act(() => vi.advanceTimersByTimeAsync(10_000));
      await waitFor(() => expect(assign).toHaveBeenCalledWith(url));
    } finally {
      vi.useRealTimers();
    }
  });

  it('stays on the page when asked to', async () => {
    mockApi({
      [PARTICIPATION]: () => jsonResponse(200, state({ consented: true, ready: true, answers: {} })),
      [COMPLETION]: () =>
        jsonResponse(200, completion({ done: 2, completed: true, code: 'C1A2B3', url: 'https://example.org/done' })),
    });
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderGate();
      await screen.findByTestId('completion-code');
      await userEvent.click(screen.getByRole('button', { name: 'Stay on this page' }));
      await act(() => vi.advanceTimersByTimeAsync(10_000));
      expect(assign).not.toHaveBeenCalled();
      expect(screen.getByRole('link', { name: 'Return to the study' })).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });
});
