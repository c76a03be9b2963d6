import { Markdown } from '@/components/markdown';
import type { Part, TextPart } from '@/lib/api-types';

const isTextPart = (part: Part): part is TextPart => part?.type === 'text' && typeof (part as TextPart).text === 'string';

/** Renders a message's parts. Unknown kinds (image/audio/video for now) get a placeholder. */
export function MessageContent({ parts }: { parts: Part[] }) {
  if (!Array.isArray(parts) || parts.length === 0) return <p className="muted">(empty)</p>;
  return (
    <>
      {parts.map((part, index) =>
        isTextPart(part) ? (
          <Markdown key={index} text={part.text} />
        ) : (
          <p key={index} className="part-placeholder">
            [unsupported {typeof part?.type === 'string' && part.type ? part.type : 'unknown'} part]
          </p>
        ),
      )}
    </>
  );
}
