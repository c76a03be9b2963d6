import { createContext, useId, useSyncExternalStore } from 'react';

import { formatSeconds, type MediaSync } from '@/lib/media-sync';

/** The controller that the videos inside a comparison register with (none outside one). */
export const MediaSyncContext = createContext<MediaSync | null>(null);

/** One bar driving every candidate's video together: play/pause, restart and a shared seek slider. */
export function SyncedVideoBar({ sync }: { sync: MediaSync }) {
  const state = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const sliderId = useId();
  if (state.count < 2) return null;
  return (
    <div className="sync-bar" role="group" aria-label="Play the videos together" data-testid="sync-bar">
      <button
        type="button"
        className="button button--small"
        data-testid="sync-toggle"
        aria-pressed={state.playing}
        onClick={() => void sync.toggle()}
      >
        {state.playing ? '❚❚ Pause both' : '▶ Play both'}
      </button>
      <button
        type="button"
        className="button button--small"
        data-testid="sync-restart"
        onClick={() => {
          sync.seek(0);
          void sync.play();
        }}
      >
        ↺ Restart both
      </button>
      <label htmlFor={sliderId} className="visually-hidden">
        Position of both videos
      </label>
      <input
        id={sliderId}
        type="range"
        className="sync-bar__seek"
        data-testid="sync-seek"
        min={0}
        max={state.duration || 0}
        step={0.1}
        value={Math.min(state.time, state.duration || 0)}
        disabled={state.duration === 0}
        aria-valuetext={`${formatSeconds(state.time)} of ${formatSeconds(state.duration)}`}
        onChange={(e) => sync.seek(Number(e.target.value))}
      />
      <span className="sync-bar__time mono" aria-hidden="true">
        {formatSeconds(state.time)} / {formatSeconds(state.duration)}
      </span>
    </div>
  );
}
