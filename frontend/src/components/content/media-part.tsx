import { useContext, useEffect, useRef, useState, type CSSProperties } from 'react';

import { Modal } from '@/components/ui/modal';
import type { AudioPart, ImagePart, VideoPart } from '@/lib/api-types';

import { MediaDisplayContext, type MediaSettings } from './media-display';
import { MediaSyncContext } from './synced-videos';

/** Where the server serves a stored media file (same authorization as the campaign). */
export function mediaUrl(sha256: string): string {
  return `/api/media/${encodeURIComponent(sha256)}`;
}

/** Reserves the part's box before it loads, so candidates side by side keep their layout. */
function reservedBox(part: { width?: number | null; height?: number | null }): CSSProperties | undefined {
  return part.width && part.height ? { aspectRatio: `${part.width} / ${part.height}` } : undefined;
}

/** An image; click it (or its Enlarge button: Enter/Space) for a larger view in a dialog. */
export function ImageView({ part }: { part: ImagePart }) {
  const [zoomed, setZoomed] = useState(false);
  const { image_fit: fit } = useContext(MediaDisplayContext);
  const alt = part.alt ?? 'image';
  const src = mediaUrl(part.sha256);
  return (
    <figure className={`media-figure media-figure--${fit}`}>
      <img
        className={`media-image media-image--${fit}`}
        src={src}
        alt={alt}
        width={part.width ?? undefined}
        height={part.height ?? undefined}
        style={reservedBox(part)}
        loading="lazy"
        decoding="async"
        onClick={() => setZoomed(true)}
      />
      <button
        type="button"
        className="button button--small media-figure__zoom"
        data-testid="zoom-open"
        aria-label={`Enlarge image: ${alt}`}
        onClick={() => setZoomed(true)}
      >
        <span aria-hidden="true">⤢</span> Enlarge
      </button>
      {zoomed ? (
        <Modal title={part.alt ? `Image: ${part.alt}` : 'Image'} onClose={() => setZoomed(false)} wide>
          <img className="media-zoom" src={src} alt={alt} width={part.width ?? undefined} height={part.height ?? undefined} data-testid="zoom-image" />
        </Modal>
      ) : null}
    </figure>
  );
}

type PlayerProps = {
  /** Played to its end (a loop counts its first end). */
  onEnded?: () => void;
};

/**
 * The campaign's playback settings for one player. Looping is done here rather than with the
 * `loop` attribute, which would keep the `ended` event a required full playback waits for from firing.
 */
function playback(media: Required<MediaSettings>, onEnded: (() => void) | undefined) {
  return {
    autoPlay: media.autoplay || undefined,
    onEnded: (event: { currentTarget: HTMLMediaElement }) => {
      onEnded?.();
      if (!media.loop) return;
      const element = event.currentTarget;
      element.currentTime = 0;
      void element.play()?.catch(() => undefined);
    },
  };
}

/** An audio player with a visible Replay button (from the start, one press). */
export function AudioView({ part, onEnded }: { part: AudioPart } & PlayerProps) {
  const ref = useRef<HTMLAudioElement>(null);
  const media = useContext(MediaDisplayContext);
  const alt = part.alt ?? 'audio';
  const replay = () => {
    const audio = ref.current;
    if (!audio) return;
    audio.currentTime = 0;
    void audio.play().catch(() => undefined); // refused (autoplay policy): the native controls still work
  };
  return (
    <div className="media-audio-row">
      <audio
        ref={ref}
        className="media-audio"
        controls
        preload="metadata"
        src={mediaUrl(part.sha256)}
        aria-label={alt}
        {...playback(media, onEnded)}
      >
        Your browser cannot play this audio.
      </audio>
      <button type="button" className="button button--small" data-testid="audio-replay" aria-label={`Replay ${alt}`} onClick={replay}>
        <span aria-hidden="true">↺</span> Replay
      </button>
    </div>
  );
}

/** A video with its own controls; inside a comparison it also follows the shared control bar. */
export function VideoView({ part, onEnded }: { part: VideoPart } & PlayerProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const sync = useContext(MediaSyncContext);
  const media = useContext(MediaDisplayContext);
  useEffect(() => (sync && ref.current ? sync.add(ref.current) : undefined), [sync]);
  return (
    <video
      ref={ref}
      className="media-video"
      controls
      preload="metadata"
      playsInline
      src={mediaUrl(part.sha256)}
      aria-label={part.alt ?? 'video'}
      width={part.width ?? undefined}
      height={part.height ?? undefined}
      style={reservedBox(part)}
      {...playback(media, onEnded)}
    >
      Your browser cannot play this video.
    </video>
  );
}
