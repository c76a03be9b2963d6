import type { Part } from './api-types';

/** A message's text parts joined by blank lines (media parts left out). */
export function plainText(parts: Part[] | undefined): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .map((part) => (part && part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n\n');
}

/** A message's media parts in words ("image: a red circle · audio"), for places that show text only. */
export function mediaSummary(parts: Part[] | undefined): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .map((part) => {
      if (!part || (part.type !== 'image' && part.type !== 'audio' && part.type !== 'video')) return '';
      return part.alt ? `${part.type}: ${part.alt}` : part.type;
    })
    .filter(Boolean)
    .join(' · ');
}
