import type { Part } from './api-types';

/** A message's text parts joined by blank lines (media parts left out). */
export function plainText(parts: Part[] | undefined): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .map((part) => (part && part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n\n');
}
