import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { Candidate } from '@/lib/api-types';

import { CandidateList } from './candidate-list';
import { AudioView, ImageView } from '@/components/content/media-part';

const SHA = 'a'.repeat(64);
const image = { type: 'image', sha256: SHA, content_type: 'image/png', width: 256, height: 128, alt: 'a red circle' } as const;

describe('image zoom', () => {
  it('opens a larger view in a dialog from the keyboard and closes it with Escape', async () => {
    const user = userEvent.setup();
    render(<ImageView part={image} />);
    expect(screen.getByRole('img', { name: 'a red circle' })).toHaveStyle({ aspectRatio: '256 / 128' });

    const open = screen.getByRole('button', { name: 'Enlarge image: a red circle' });
    open.focus();
    await user.keyboard('{Enter}');
    const dialog = screen.getByRole('dialog', { name: 'Image: a red circle' });
    expect(within(dialog).getByRole('img', { name: 'a red circle' })).toHaveAttribute('src', `/api/media/${SHA}`);

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(open).toHaveFocus();
  });

  it('opens when the image itself is clicked, and the Close button closes it', async () => {
    const user = userEvent.setup();
    render(<ImageView part={{ ...image, alt: null }} />);
    await user.click(screen.getByRole('img', { name: 'image' }));
    const dialog = screen.getByRole('dialog', { name: 'Image' });
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('audio replay', () => {
  it('plays the clip again from the start', async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
    const user = userEvent.setup();
    render(<AudioView part={{ type: 'audio', sha256: SHA, content_type: 'audio/wav', alt: 'a low hum' }} />);
    const audio = screen.getByLabelText('a low hum') as HTMLAudioElement;
    let position = 4.2;
    Object.defineProperty(audio, 'currentTime', { get: () => position, set: (v: number) => (position = v), configurable: true });

    const replay = screen.getByRole('button', { name: 'Replay a low hum' });
    replay.focus();
    await user.keyboard('{Enter}');
    expect(position).toBe(0);
    expect(play).toHaveBeenCalledOnce();
  });
});

describe('candidates with media', () => {
  const video = (label: string): Candidate => ({
    label,
    content: [{ type: 'video', sha256: SHA, content_type: 'video/mp4', width: 640, height: 360, alt: `clip ${label}` }],
  });

  it('shows one control bar driving both candidates’ videos', async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
    const pause = vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => undefined);
    const user = userEvent.setup();
    render(<CandidateList candidates={[video('A'), video('B')]} />);
    expect(screen.getAllByLabelText(/^clip [AB]$/)).toHaveLength(2);
    const bar = screen.getByRole('group', { name: 'Play the videos together' });

    await user.click(within(bar).getByTestId('sync-toggle'));
    expect(play).toHaveBeenCalledTimes(2);
    await act(async () => {
      for (const el of screen.getAllByLabelText(/^clip [AB]$/)) el.dispatchEvent(new Event('pause'));
    });
    await user.click(within(bar).getByTestId('sync-restart'));
    expect(play).toHaveBeenCalledTimes(4);
    expect(pause).not.toHaveBeenCalled();
  });

  it('has no shared bar for a single video, and images and audio keep their own controls', () => {
    render(
      <CandidateList
        candidates={[
          video('A'),
          { label: 'B', content: [image] },
          { label: 'C', content: [{ type: 'audio', sha256: SHA, content_type: 'audio/wav', alt: 'a beep' }] },
        ]}
      />,
    );
    expect(screen.queryByTestId('sync-bar')).toBeNull();
    expect(within(screen.getByTestId('candidate-B')).getByRole('button', { name: /Enlarge/ })).toBeInTheDocument();
    expect(within(screen.getByTestId('candidate-C')).getByRole('button', { name: 'Replay a beep' })).toBeInTheDocument();
  });
});
