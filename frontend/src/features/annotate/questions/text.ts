import type { CandidateLabel, TextAnswer, TextQuestion } from '@/lib/api-types';

import { candidateText, codePoints, isRecord, type Issue, type QuestionModel } from './common';

/** One text per candidate (`target: "candidate"`) or a single one under the key `""` (`"item"`). */
export type TextDraft = { texts: Record<string, string> };

export const ITEM_KEY = '';
export const isPerCandidate = (question: TextQuestion) => question.target === 'candidate';

export const setText = (draft: TextDraft, key: CandidateLabel | typeof ITEM_KEY, text: string): TextDraft => ({
  texts: { ...draft.texts, [key]: text },
});

/** The server's rule for one text (backend `_check_text`): lengths count code points, trimmed for the minimum. */
export function checkText(question: TextQuestion, text: string): string | null {
  const length = codePoints(text.trim());
  if (question.required && length === 0) return 'this question needs an answer';
  if (length > 0 && length < question.min_length) return `write at least ${question.min_length} characters`;
  if (codePoints(text) > question.max_length) return `write at most ${question.max_length} characters`;
  return null;
}

export const text: QuestionModel<TextQuestion, TextDraft> = {
  init(question, { labels, candidates }, previous) {
    if (!isPerCandidate(question)) {
      const old = isRecord(previous) && typeof previous.text === 'string' ? previous.text : '';
      return { texts: { [ITEM_KEY]: old } };
    }
    const old = isRecord(previous) && isRecord(previous.texts) ? previous.texts : null;
    const texts: Record<string, string> = {};
    labels.forEach((label, index) => {
      const kept = old?.[label];
      if (typeof kept === 'string') texts[label] = kept;
      else if (question.purpose === 'refinement') {
        // The annotator edits the candidate's own text into a better one.
        texts[label] = candidateText(candidates.find((c) => c.label === label) ?? candidates[index]);
      } else texts[label] = '';
    });
    return { texts };
  },

  validate(question, draft, { labels }) {
    const issues: Issue[] = [];
    if (!isPerCandidate(question)) {
      const problem = checkText(question, draft.texts[ITEM_KEY] ?? '');
      if (problem) issues.push({ field: 'text', message: problem });
      return issues;
    }
    for (const label of labels) {
      const problem = checkText(question, draft.texts[label] ?? '');
      if (problem) issues.push({ field: `texts.${label}`, message: problem });
    }
    return issues;
  },

  toAnswer(question, draft, { labels }): TextAnswer {
    if (!isPerCandidate(question)) return { text: draft.texts[ITEM_KEY] ?? '' };
    return { texts: Object.fromEntries(labels.map((label) => [label, draft.texts[label] ?? ''])) };
  },
};
