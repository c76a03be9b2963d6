/** What the controller needs from a media element (an HTMLVideoElement, or a stub in tests). */
export type SyncedMedia = Pick<
  HTMLMediaElement,
  'play' | 'pause' | 'currentTime' | 'duration' | 'paused' | 'addEventListener' | 'removeEventListener'
>;

export type MediaSyncState = {
  /** How many elements the bar drives. */
  count: number;
  playing: boolean;
  /** Seconds, read from the first element. */
  time: number;
  /** Seconds, the longest known duration (0 until metadata has loaded). */
  duration: number;
};

/** Elements further apart than this (seconds) are realigned before playing together. */
export const DRIFT_TOLERANCE = 0.25;
const EVENTS = ['play', 'pause', 'timeupdate', 'loadedmetadata', 'durationchange', 'seeked', 'ended'] as const;

const finite = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * One control bar for several videos (A/B comparison): play, pause and seek are applied to every
 * element, which still keeps its own controls for playing alone. Subscribe with
 * useSyncExternalStore(sync.subscribe, sync.getSnapshot).
 */
export class MediaSync {
  private members: SyncedMedia[] = [];
  private listeners = new Set<() => void>();
  private state: MediaSyncState = { count: 0, playing: false, time: 0, duration: 0 };
  private readonly onEvent = () => this.refresh();

  /** Drive `element` too; the returned function stops driving it. */
  add(element: SyncedMedia): () => void {
    if (!this.members.includes(element)) {
      this.members.push(element);
      for (const name of EVENTS) element.addEventListener(name, this.onEvent);
      this.refresh();
    }
    return () => {
      this.members = this.members.filter((m) => m !== element);
      for (const name of EVENTS) element.removeEventListener(name, this.onEvent);
      this.refresh();
    };
  }

  /** Plays every element from the same moment; false (and all paused) when one refuses to play. */
  async play(): Promise<boolean> {
    const leader = this.members[0];
    if (!leader) return false;
    if (this.state.duration > 0 && leader.currentTime >= this.state.duration) this.seek(0);
    else this.align(leader.currentTime);
    const results = await Promise.allSettled(this.members.map((m) => m.play()));
    if (results.some((r) => r.status === 'rejected')) {
      this.pause(); // e.g. autoplay refused: never leave one playing on its own
      return false;
    }
    return true;
  }

  pause(): void {
    for (const m of this.members) m.pause();
    this.refresh();
  }

  /** Moves every element to `seconds`, clamped to each element's own length. */
  seek(seconds: number): void {
    const target = Math.max(0, seconds);
    for (const m of this.members) {
      const length = finite(m.duration);
      m.currentTime = length ? Math.min(target, length) : target;
    }
    this.refresh();
  }

  toggle(): Promise<boolean> | void {
    return this.state.playing ? this.pause() : this.play();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): MediaSyncState => this.state;

  private align(seconds: number): void {
    for (const m of this.members) {
      if (Math.abs(m.currentTime - seconds) > DRIFT_TOLERANCE) {
        const length = finite(m.duration);
        m.currentTime = length ? Math.min(seconds, length) : seconds;
      }
    }
  }

  private refresh(): void {
    const next: MediaSyncState = {
      count: this.members.length,
      playing: this.members.some((m) => !m.paused),
      time: this.members[0]?.currentTime ?? 0,
      duration: Math.max(0, ...this.members.map((m) => finite(m.duration))),
    };
    const prev = this.state;
    if (
      prev.count === next.count &&
      prev.playing === next.playing &&
      prev.time === next.time &&
      prev.duration === next.duration
    )
      return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

/** 75.4 → "1:15". */
export function formatSeconds(seconds: number): string {
  const whole = Math.max(0, Math.floor(finite(seconds)));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
