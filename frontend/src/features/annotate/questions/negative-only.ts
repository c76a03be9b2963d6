import type { CandidateLabel, NegativeOnlyAnswer, NegativeOnlyQuestion } from '@/lib/api-types';

import { isRecord, type Issue, type QuestionModel } from './common';

/** Only marked candidates are present; each with the reason ids ticked so far. */
export type NegativeOnlyDraft = { unacceptable: Record<CandidateLabel, string[]> };

export function toggleUnacceptable(draft: NegativeOnlyDraft, label: CandidateLabel): NegativeOnlyDraft {
  const unacceptable = { ...draft.unacceptable };
  if (label in unacceptable) delete unacceptable[label];
  else unacceptable[label] = [];
  return { unacceptable };
}

export function toggleReason(draft: NegativeOnlyDraft, label: CandidateLabel, reason: string): NegativeOnlyDraft {
  const current = draft.unacceptable[label] ?? [];
  const next = current.includes(reason) ? current.filter((r) => r !== reason) : [...current, reason];
  return { unacceptable: { ...draft.unacceptable, [label]: next } };
}

const needsReason = (question: NegativeOnlyQuestion) => question.require_reason && (question.reasons ?? []).length > 0;

export const negativeOnly: QuestionModel<NegativeOnlyQuestion, NegativeOnlyDraft> = {
  init(question, { labels }, previous) {
    const unacceptable: NegativeOnlyDraft['unacceptable'] = {};
    if (isRecord(previous) && isRecord(previous.unacceptable)) {
      const known = new Set((question.reasons ?? []).map((r) => r.id));
      for (const label of labels) {
        const reasons = previous.unacceptable[label];
        if (Array.isArray(reasons)) unacceptable[label] = [...new Set(reasons.filter((r): r is string => known.has(r)))];
      }
    }
    return { unacceptable };
  },

  validate(question, draft, { labels }) {
    const issues: Issue[] = [];
    const known = new Set((question.reasons ?? []).map((r) => r.id));
    for (const label of labels) {
      const reasons = draft.unacceptable[label];
      if (!reasons) continue;
      const unknown = reasons.find((r) => !known.has(r));
      if (unknown) issues.push({ field: `unacceptable.${label}`, message: `unknown reason '${unknown}'` });
      else if (needsReason(question) && reasons.length === 0) {
        issues.push({ field: `unacceptable.${label}`, message: 'pick at least one reason' });
      }
    }
    return issues;
  },

  toAnswer(question, draft, { labels }): NegativeOnlyAnswer {
    const order = (question.reasons ?? []).map((r) => r.id);
    const unacceptable: NegativeOnlyAnswer['unacceptable'] = {};
    for (const label of labels) {
      const reasons = draft.unacceptable[label];
      if (reasons) unacceptable[label] = order.filter((id) => reasons.includes(id));
    }
    return { unacceptable };
  },
};
