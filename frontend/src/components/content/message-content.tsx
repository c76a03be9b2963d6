import { Markdown } from '@/components/markdown';
import type { Part } from '@/lib/api-types';
import { AudioView, ImageView, VideoView } from './media-part';

/** What a part looks like at runtime when it isn't one of the kinds in the generated schema. */
type UnknownPart = { type?: unknown } | null | undefined;

function UnsupportedPart({ part }: { part: UnknownPart }) {
  const kind = typeof part?.type === 'string' && part.type ? part.type : 'unknown';
  return <p className="part-placeholder">[unsupported {kind} part]</p>;
}

function PartView({ part, onEnded }: { part: Part; onEnded?: () => void }) {
  if (typeof part !== 'object' || part === null) return <UnsupportedPart part={null} />; // malformed data
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? <Markdown text={part.text} /> : <UnsupportedPart part={part} />;
    case 'image':
      return <ImageView part={part} />;
    case 'audio':
      return <AudioView part={part} onEnded={onEnded} />;
    case 'video':
      return <VideoView part={part} onEnded={onEnded} />;
    default: {
      // Every kind the generated schema declares is handled above, so a kind added on regeneration
      // makes this line a type error until it gets a case. At runtime a server newer than this
      // build may still send a kind we don't know: show a placeholder.
      const unhandled: never = part;
      return <UnsupportedPart part={unhandled as UnknownPart} />;
    }
  }
}

type MessageContentProps = {
  parts: Part[];
  /** An audio or video part (by its index) played to its end. */
  onMediaEnded?: (index: number) => void;
};

/** Renders a message's parts. Kinds this build can't render get a placeholder. */
export function MessageContent({ parts, onMediaEnded }: MessageContentProps) {
  if (!Array.isArray(parts) || parts.length === 0) return <p className="muted">(empty)</p>;
  return (
    <>
      {parts.map((part, index) => (
        <PartView key={index} part={part} onEnded={onMediaEnded ? () => onMediaEnded(index) : undefined} />
      ))}
    </>
  );
}
