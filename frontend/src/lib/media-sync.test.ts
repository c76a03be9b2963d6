import { DRIFT_TOLERANCE, formatSeconds, MediaSync } from './media-sync';

/** A media element without playback: play/pause flip `paused` and fire the events a browser would. */
class StubMedia extends EventTarget {
  paused = true;
  currentTime = 0;
  duration: number;
  refuse = false;
  constructor(duration = Number.NaN) {
    super();
    this.duration = duration;
  }
  play = vi.fn(async () => {
    if (this.refuse) throw new DOMException('autoplay refused', 'NotAllowedError');
    this.paused = false;
    this.dispatchEvent(new Event('play'));
  });
  pause = vi.fn(() => {
    this.paused = true;
    this.dispatchEvent(new Event('pause'));
  });
  loaded(duration: number) {
    this.duration = duration;
    this.dispatchEvent(new Event('loadedmetadata'));
  }
}

function pair(a = 10, b = 12) {
  const sync = new MediaSync();
  const first = new StubMedia(a);
  const second = new StubMedia(b);
  sync.add(first);
  sync.add(second);
  return { sync, first, second };
}

describe('MediaSync', () => {
  it('plays both elements from the first one’s position, realigning one that drifted', async () => {
    const { sync, first, second } = pair();
    first.currentTime = 3;
    second.currentTime = 3 + DRIFT_TOLERANCE / 2; // close enough: left alone
    expect(await sync.play()).toBe(true);
    expect(first.play).toHaveBeenCalledOnce();
    expect(second.play).toHaveBeenCalledOnce();
    expect(second.currentTime).toBe(3 + DRIFT_TOLERANCE / 2);
    expect(sync.getSnapshot().playing).toBe(true);

    sync.pause();
    second.currentTime = 7;
    await sync.play();
    expect(second.currentTime).toBe(3);
  });

  it('pauses both', async () => {
    const { sync, first, second } = pair();
    await sync.play();
    sync.pause();
    expect(first.pause).toHaveBeenCalled();
    expect(second.pause).toHaveBeenCalled();
    expect([first.paused, second.paused]).toEqual([true, true]);
    expect(sync.getSnapshot().playing).toBe(false);
  });

  it('seeks both, clamped to each element’s own length', () => {
    const { sync, first, second } = pair(10, 5);
    sync.seek(7.5);
    expect(first.currentTime).toBe(7.5);
    expect(second.currentTime).toBe(5);
    sync.seek(-3);
    expect([first.currentTime, second.currentTime]).toEqual([0, 0]);
  });

  it('toggles between playing and paused', async () => {
    const { sync, first } = pair();
    await sync.toggle();
    expect(first.paused).toBe(false);
    await sync.toggle();
    expect(first.paused).toBe(true);
  });

  it('starts over from the beginning when the first video has ended', async () => {
    const { sync, first, second } = pair(10, 10);
    first.currentTime = 10;
    second.currentTime = 10;
    await sync.play();
    expect([first.currentTime, second.currentTime]).toEqual([0, 0]);
  });

  it('pauses everything when one element refuses to play, so none plays alone', async () => {
    const { sync, first, second } = pair();
    second.refuse = true;
    expect(await sync.play()).toBe(false);
    expect(first.paused).toBe(true);
    expect(sync.getSnapshot().playing).toBe(false);
  });

  it('follows the elements’ own events and stops driving a removed element', () => {
    const sync = new MediaSync();
    const first = new StubMedia();
    const second = new StubMedia();
    const listener = vi.fn();
    sync.subscribe(listener);
    sync.add(first);
    const remove = sync.add(second);
    expect(sync.getSnapshot()).toEqual({ count: 2, playing: false, time: 0, duration: 0 });

    first.loaded(8);
    second.loaded(9.5);
    expect(sync.getSnapshot().duration).toBe(9.5);
    // Played alone with its own controls: the bar shows it as playing.
    void first.play();
    expect(sync.getSnapshot().playing).toBe(true);
    expect(listener).toHaveBeenCalled();

    remove();
    sync.seek(4);
    expect(second.currentTime).toBe(0);
    expect(sync.getSnapshot().count).toBe(1);
  });

  it('keeps the same snapshot object while nothing changed (useSyncExternalStore needs that)', () => {
    const { sync, first } = pair();
    const before = sync.getSnapshot();
    first.dispatchEvent(new Event('timeupdate'));
    expect(sync.getSnapshot()).toBe(before);
  });
});

describe('formatSeconds', () => {
  it('shows minutes and seconds', () => {
    expect(formatSeconds(75.4)).toBe('1:15');
    expect(formatSeconds(Number.NaN)).toBe('0:00');
  });
});
