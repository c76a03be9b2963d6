import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { Candidate, NextTaskResponse, Question, Task } from '@/lib/api-types';
import { jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { pairwiseQ } from '../questions/fixtures';

import { TaskRoute } from './task';

const NEXT = 'GET /api/annotate/demo/next';
const SUBMIT = 'POST /api/annotate/demo/submit';
const SHA = 'b'.repeat(64);

const audio = (label: string): Candidate => ({
  label,
  content: [
    { type: 'text', text: `Reading ${label}` },
    { type: 'audio', sha256: SHA, content_type: 'audio/wav', alt: `reading ${label}` },
  ],
});
const image = (label: string): Candidate => ({
  label,
  content: [{ type: 'image', sha256: SHA, content_type: 'image/png', width: 64, height: 64, alt: `picture ${label}` }],
});

function makeTask(candidates: Candidate[], display: Task['display'], questions: Question[] = [pairwiseQ()]): Task {
  return {
    assignment_id: 1,
    item_id: 101,
    expires_at: '2030-01-01T00:00:00Z',
    campaign: { slug: 'demo', name: 'Demo campaign', guidelines: '' },
    context: [{ role: 'user', content: [{ type: 'text', text: 'Read this aloud.' }] }],
    candidates,
    questions,
    display,
  } as Task;
}

const progress = { my_judgments: 0, items_total: 5, items_complete: 0 };
const serve = (task: Task) =>
  mockApi({
    [NEXT]: [() => jsonResponse(200, { task, progress } satisfies NextTaskResponse), () => jsonResponse(200, { task: null, progress })],
    [SUBMIT]: () => jsonResponse(200, { judgment_id: 7, client_id: 'x', undo_until: null }),
  });
const renderTask = () => renderRoute(<TaskRoute />, { path: '/annotate/:slug', url: '/annotate/demo' });

describe("a campaign's display settings on the task screen", () => {
  it('stacks the candidates one under the other when the layout says stacked', async () => {
    serve(makeTask([audio('A'), audio('B')], { layout: 'stacked', media: {} as never }));
    renderTask();
    const list = (await screen.findByTestId('candidate-A')).parentElement as HTMLElement;
    expect(list).toHaveAttribute('data-layout', 'stacked');
    expect(list).toHaveClass('candidates--stacked');
    expect(list).not.toHaveClass('candidates--pair');
  });

  it('keeps the side-by-side pair when a spec has no display settings', async () => {
    serve(makeTask([audio('A'), audio('B')], undefined));
    renderTask();
    const list = (await screen.findByTestId('candidate-A')).parentElement as HTMLElement;
    expect(list).toHaveClass('candidates--pair');
    expect(screen.getByLabelText('reading A')).not.toHaveAttribute('autoplay');
  });

  it('refuses a submission until every candidate audio has played to its end', async () => {
    const api = serve(
      makeTask([audio('A'), audio('B')], {
        layout: 'auto',
        media: { autoplay: true, loop: false, require_full_playback: true, image_fit: 'contain' },
      }),
    );
    renderTask();
    await screen.findByTestId('candidate-A');
    expect(screen.getByLabelText('reading A')).toHaveAttribute('autoplay');

    // A lone A/B question would answer on the key press; here it waits for the playback.
    await userEvent.keyboard('1');
    const submit = screen.getByTestId('submit');
    expect(submit).toBeDisabled();
    expect(screen.getByTestId('playback-needed')).toHaveTextContent('0 of 2 played');

    fireEvent.ended(screen.getByLabelText('reading A'));
    expect(screen.getByTestId('playback-needed')).toHaveTextContent('1 of 2 played');
    await userEvent.keyboard('{Enter}');
    expect(submit).toBeDisabled();
    expect(api.calls(SUBMIT)).toHaveLength(0);

    fireEvent.ended(screen.getByLabelText('reading B'));
    expect(screen.queryByTestId('playback-needed')).toBeNull();
    expect(submit).toBeEnabled();
    await userEvent.click(submit);
    await waitFor(() => expect(api.calls(SUBMIT)).toHaveLength(1));
    expect((api.calls(SUBMIT)[0].body as { answers: unknown }).answers).toEqual({ preference: { choice: 'A' } });
  });

  it('fits images as the campaign says', async () => {
    serve(makeTask([image('A'), image('B')], { layout: 'side_by_side', media: { image_fit: 'cover' } as never }));
    renderTask();
    expect(await screen.findByRole('img', { name: 'picture A' })).toHaveClass('media-image--cover');
    expect(screen.getByTestId('candidate-A').parentElement).toHaveClass('candidates--side-by-side');
  });
});
