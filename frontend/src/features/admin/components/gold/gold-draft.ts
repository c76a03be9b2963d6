// The gold form's editable state per question, and the expected answers it stands for (the
// shapes `backend/prefhub/quality/gold.py` documents). Candidates are named by import letter:
// A is the candidate imported first, whatever order an annotator later sees them in.
import type { Question } from '@/lib/api-types';

import type { ExpectedAnswer } from '../../api/get-item-gold';

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const GOLD_KINDS = ['pairwise', 'ranking', 'binary', 'negative_only', 'rating'] as const;
export type GoldQuestion = Extract<Question, { kind: (typeof GOLD_KINDS)[number] }>;

export const isGoldQuestion = (question: Question): question is GoldQuestion =>
  (GOLD_KINDS as readonly string[]).includes(question.kind);

export type Vote = 'up' | 'down' | '';
export type Mark = 'acceptable' | 'unacceptable' | 'borderline';
export type ScoreDraft = { value: string; tolerance: string };

export type QuestionDraft = {
  /** Whether answers to this question are checked at all. */
  checked: boolean;
  accept: string[];
  rankBy: 'order' | 'top';
  order: string[];
  /** Percent of agreeing pairs that passes a ranking; blank: partial credit. */
  passPercent: string;
  top: string[];
  votes: Record<string, Vote>;
  marks: Record<string, Mark>;
  /** letter -> attribute id -> value and tolerance, as typed. */
  scores: Record<string, Record<string, ScoreDraft>>;
};

export type GoldDraft = { questions: Record<string, QuestionDraft>; feedback: string };

const byLetter = <T>(letters: string[], value: (letter: string) => T): Record<string, T> =>
  Object.fromEntries(letters.map((letter) => [letter, value(letter)]));

function questionDraft(question: GoldQuestion, letters: string[], expected: ExpectedAnswer | undefined): QuestionDraft {
  const order = expected?.order ?? [];
  const attributes = question.kind === 'rating' ? question.attributes : [];
  return {
    checked: expected !== undefined,
    accept: expected?.accept ?? [],
    rankBy: expected?.top ? 'top' : 'order',
    order: [...order, ...letters.filter((letter) => !order.includes(letter))],
    passPercent: expected?.pass_share != null ? String(Math.round(expected.pass_share * 100)) : '',
    top: expected?.top ?? [],
    votes: byLetter(letters, (letter) => expected?.votes?.[letter] ?? ''),
    marks: byLetter(letters, (letter) =>
      expected?.unacceptable?.includes(letter) ? 'unacceptable' : expected?.borderline?.includes(letter) ? 'borderline' : 'acceptable',
    ),
    scores: byLetter(letters, (letter) =>
      Object.fromEntries(
        attributes.map((attribute) => {
          const score = expected?.scores?.[letter]?.[attribute.id];
          return [attribute.id, { value: score ? String(score.value) : '', tolerance: score ? String(score.tolerance ?? 0) : '0' }];
        }),
      ),
    ),
  };
}

/** The form's starting state from the stored expected answers (null: an item nothing scores yet). */
export function draftFrom(
  questions: GoldQuestion[],
  letters: string[],
  expected: Record<string, ExpectedAnswer> | null,
  feedback: string | null,
): GoldDraft {
  return {
    questions: Object.fromEntries(questions.map((q) => [q.id, questionDraft(q, letters, expected?.[q.id])])),
    feedback: feedback ?? '',
  };
}

const isWhole = (text: string) => /^-?\d+$/.test(text.trim());

/** One checked question's expected answer, or why it is not one yet. */
function expectedAnswer(question: GoldQuestion, draft: QuestionDraft, letters: string[]): ExpectedAnswer | string {
  switch (question.kind) {
    case 'pairwise':
      return draft.accept.length ? { accept: draft.accept as ExpectedAnswer['accept'] } : 'tick at least one accepted choice';
    case 'ranking': {
      if (draft.rankBy === 'top') return draft.top.length ? { top: draft.top } : 'tick at least one accepted best candidate';
      if (draft.order.length < 2) return 'a ranking needs two candidates';
      if (draft.passPercent.trim() === '') return { order: draft.order };
      const percent = Number(draft.passPercent);
      if (!(percent > 0 && percent <= 100)) return 'the passing share is a percent above 0, at most 100';
      return { order: draft.order, pass_share: percent / 100 };
    }
    case 'binary': {
      const votes = Object.fromEntries(letters.filter((l) => draft.votes[l]).map((l) => [l, draft.votes[l] as 'up' | 'down']));
      return Object.keys(votes).length ? { votes } : 'give the expected vote for at least one candidate';
    }
    case 'negative_only': {
      const borderline = letters.filter((l) => draft.marks[l] === 'borderline');
      return {
        unacceptable: letters.filter((l) => draft.marks[l] === 'unacceptable'),
        ...(borderline.length ? { borderline } : {}),
      };
    }
    case 'rating': {
      const scores: NonNullable<ExpectedAnswer['scores']> = {};
      for (const letter of letters) {
        for (const attribute of question.attributes) {
          const score = draft.scores[letter]?.[attribute.id];
          if (!score || score.value.trim() === '') continue;
          if (!isWhole(score.value)) return `${letter} ${attribute.label}: the expected score is a whole number`;
          const tolerance = score.tolerance.trim() === '' ? '0' : score.tolerance;
          if (!isWhole(tolerance) || Number(tolerance) < 0) return `${letter} ${attribute.label}: the tolerance is a whole number, 0 or more`;
          scores[letter] = { ...scores[letter], [attribute.id]: { value: Number(score.value), tolerance: Number(tolerance) } };
        }
      }
      return Object.keys(scores).length ? { scores } : 'give an expected score for at least one candidate';
    }
  }
}

export type DraftResult = { expected: Record<string, ExpectedAnswer>; problems: Record<string, string> };

/** The expected answers the form stands for, and each checked question's problem, if any. */
export function expectedFrom(questions: GoldQuestion[], draft: GoldDraft, letters: string[]): DraftResult {
  const expected: Record<string, ExpectedAnswer> = {};
  const problems: Record<string, string> = {};
  for (const question of questions) {
    const questionDraft = draft.questions[question.id];
    if (!questionDraft?.checked) continue;
    const answer = expectedAnswer(question, questionDraft, letters);
    if (typeof answer === 'string') problems[question.id] = answer;
    else expected[question.id] = answer;
  }
  return { expected, problems };
}
