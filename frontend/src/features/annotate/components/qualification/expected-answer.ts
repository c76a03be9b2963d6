import type { Question } from '@/lib/api-types';

const WORDS: Record<string, string> = { tie: 'a tie', both_bad: 'both bad' };

type Expected = Record<string, unknown>;
type Score = { value: number; tolerance?: number };

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const either = (items: string[]) => items.map((c) => WORDS[c] ?? c).join(' or ');

/**
 * A qualification answer's expected answer in words, naming candidates by the labels the
 * annotator saw (the server already renamed them): "B", "best first: B, A, C", "A: up, B: down".
 */
export function describeExpected(expected: Expected, question?: Question): string {
  if (expected.accept) return either(list(expected.accept));
  if (expected.order) return `best first: ${list(expected.order).join(', ')}`;
  if (expected.top) return `best: ${either(list(expected.top))}`;
  if (expected.votes) {
    const votes = Object.entries(expected.votes as Record<string, string>);
    return votes.map(([label, vote]) => `${label}: ${vote === 'up' ? 'good' : 'bad'}`).join(', ');
  }
  if (expected.unacceptable) {
    const bad = list(expected.unacceptable);
    return bad.length ? `unacceptable: ${bad.join(', ')}` : 'none unacceptable';
  }
  if (expected.scores) {
    const names = new Map(
      question?.kind === 'rating' ? question.attributes.map((a) => [a.id, a.label] as const) : [],
    );
    return Object.entries(expected.scores as Record<string, Record<string, Score>>)
      .flatMap(([label, scores]) =>
        Object.entries(scores).map(
          ([attribute, score]) =>
            `${label} ${names.get(attribute) ?? attribute}: ${score.value}${score.tolerance ? ` (±${score.tolerance})` : ''}`,
        ),
      )
      .join(', ');
  }
  return '';
}
