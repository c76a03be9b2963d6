import type { AspectChoice, PairwiseAnswer, PairwiseChoice, PairwiseQuestion, PairwiseStrength } from '@/lib/api-types';

import { choicesFor } from '../utils/choices';

import { isRecord, type Issue, type QuestionModel } from './common';

export type PairwiseDraft = {
  choice?: PairwiseChoice;
  strength?: PairwiseStrength;
  aspects: Record<string, AspectChoice>;
};

export type StrengthOption = { strength: PairwiseStrength; label: string; key: string };
export const STRENGTHS: StrengthOption[] = [
  { strength: 'slight', label: 'Slightly', key: '7' },
  { strength: 'clear', label: 'Clearly', key: '8' },
  { strength: 'strong', label: 'Strongly', key: '9' },
];

export const ASPECT_CHOICES: { choice: AspectChoice; label: string }[] = [
  { choice: 'A', label: 'A' },
  { choice: 'B', label: 'B' },
  { choice: 'tie', label: 'Tie' },
];

/** Strength is asked only for a real preference (A or B), and only when the question asks it. */
export const asksStrength = (question: PairwiseQuestion, draft: PairwiseDraft): boolean =>
  Boolean(question.strength) && (draft.choice === 'A' || draft.choice === 'B');

export const choose = (draft: PairwiseDraft, choice: PairwiseChoice): PairwiseDraft =>
  // A different side keeps nothing of the old strength: it described the other preference.
  ({ ...draft, choice, strength: draft.choice === choice ? draft.strength : undefined });

export const setStrength = (draft: PairwiseDraft, strength: PairwiseStrength): PairwiseDraft => ({ ...draft, strength });

export const setAspect = (draft: PairwiseDraft, aspectId: string, choice: AspectChoice): PairwiseDraft => ({
  ...draft,
  aspects: { ...draft.aspects, [aspectId]: choice },
});

const CHOICES = new Set(['A', 'B', 'tie', 'both_bad']);
const STRENGTH_IDS = new Set(['slight', 'clear', 'strong']);
const ASPECT_IDS = new Set(['A', 'B', 'tie']);

export const pairwise: QuestionModel<PairwiseQuestion, PairwiseDraft> = {
  init(question, _ctx, previous) {
    const draft: PairwiseDraft = { aspects: {} };
    if (!isRecord(previous)) return draft;
    if (typeof previous.choice === 'string' && CHOICES.has(previous.choice)) draft.choice = previous.choice as PairwiseChoice;
    if (typeof previous.strength === 'string' && STRENGTH_IDS.has(previous.strength)) {
      draft.strength = previous.strength as PairwiseStrength;
    }
    const known = new Set((question.aspects ?? []).map((a) => a.id));
    if (isRecord(previous.aspects)) {
      for (const [id, value] of Object.entries(previous.aspects)) {
        if (known.has(id) && typeof value === 'string' && ASPECT_IDS.has(value)) draft.aspects[id] = value as AspectChoice;
      }
    }
    return draft;
  },

  validate(question, draft) {
    const issues: Issue[] = [];
    if (!draft.choice) {
      issues.push({ field: 'choice', message: 'pick which response is better' });
    } else if (!choicesFor(question).some((o) => o.choice === draft.choice)) {
      issues.push({ field: 'choice', message: 'this choice is not allowed here' });
    }
    if (asksStrength(question, draft) && !draft.strength) {
      issues.push({ field: 'strength', message: 'say how strong the preference is: slight, clear or strong' });
    }
    for (const aspect of question.aspects ?? []) {
      if (!draft.aspects[aspect.id]) issues.push({ field: `aspects.${aspect.id}`, message: 'answer every aspect' });
    }
    return issues;
  },

  toAnswer(question, draft) {
    const answer: PairwiseAnswer = { choice: draft.choice as PairwiseChoice };
    if (asksStrength(question, draft) && draft.strength) answer.strength = draft.strength;
    const aspects = question.aspects ?? [];
    if (aspects.length > 0) {
      answer.aspects = Object.fromEntries(
        aspects.filter((a) => draft.aspects[a.id]).map((a) => [a.id, draft.aspects[a.id]]),
      );
    }
    return answer;
  },
};
