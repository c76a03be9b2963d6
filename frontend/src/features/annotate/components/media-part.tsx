import type { AudioPart, ImagePart, VideoPart } from '@/lib/api-types';

/** Where the server serves a stored media file (same authorization as the campaign). */
export function mediaUrl(sha256: string): string {
  return `/api/media/${encodeURIComponent(sha256)}`;
}

export function ImageView({ part }: { part: ImagePart }) {
  return (
    <img
      className="media-image"
      src={mediaUrl(part.sha256)}
      alt={part.alt ?? 'image'}
      width={part.width ?? undefined}
      height={part.height ?? undefined}
      loading="lazy"
      decoding="async"
    />
  );
}

export function AudioView({ part }: { part: AudioPart }) {
  return (
    <audio className="media-audio" controls preload="metadata" src={mediaUrl(part.sha256)} aria-label={part.alt ?? 'audio'}>
      Your browser cannot play this audio.
    </audio>
  );
}

export function VideoView({ part }: { part: VideoPart }) {
  return (
    <video
      className="media-video"
      controls
      preload="metadata"
      src={mediaUrl(part.sha256)}
      aria-label={part.alt ?? 'video'}
      width={part.width ?? undefined}
      height={part.height ?? undefined}
    >
      Your browser cannot play this video.
    </video>
  );
}
