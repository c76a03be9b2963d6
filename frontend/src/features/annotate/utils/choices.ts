import type { PairwiseChoice, PairwiseQuestion } from '@/lib/api-types';

export type ChoiceOption = { choice: PairwiseChoice; label: string; key: string };

const ALL: ChoiceOption[] = [
  { choice: 'A', label: 'A is better', key: '1' },
  { choice: 'B', label: 'B is better', key: '2' },
  { choice: 'tie', label: 'Tie', key: '3' },
  { choice: 'both_bad', label: 'Both are bad', key: '4' },
];

export function choicesFor(question: PairwiseQuestion): ChoiceOption[] {
  return ALL.filter(
    (option) =>
      (option.choice !== 'tie' || question.allow_tie) && (option.choice !== 'both_bad' || question.allow_both_bad),
  );
}
