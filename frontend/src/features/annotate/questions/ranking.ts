import type { CandidateLabel, RankingAnswer, RankingQuestion } from '@/lib/api-types';

import { isRecord, type Issue, type QuestionModel } from './common';

/**
 * A flat list, best first, where an entry may be "tied with the one above": the UI edits this,
 * and the answer's groups are derived from it.
 */
export type RankingDraft = {
  order: CandidateLabel[];
  /** label → tied with the entry just above it (never true for the first entry). */
  tied: Record<CandidateLabel, boolean>;
  noneAcceptable: boolean;
};

/** Tied groups, best first: `[["A"], ["B", "C"]]`. */
export function groupsOf(draft: RankingDraft): CandidateLabel[][] {
  const groups: CandidateLabel[][] = [];
  draft.order.forEach((label, index) => {
    if (index > 0 && draft.tied[label] && groups.length > 0) groups[groups.length - 1].push(label);
    else groups.push([label]);
  });
  return groups;
}

/** The rank shown next to each entry: 1, 2, 2, 3 for `[[A], [B, C], [D]]`. */
export function ranksOf(draft: RankingDraft): Record<CandidateLabel, number> {
  const ranks: Record<CandidateLabel, number> = {};
  groupsOf(draft).forEach((group, index) => group.forEach((label) => (ranks[label] = index + 1)));
  return ranks;
}

/**
 * Move the entry at `from` to `to` (flat positions). Leaving a group never drags its mates along;
 * landing inside a tied group joins it; staying next to a mate keeps the tie; anything else makes
 * a group of its own.
 */
export function moveEntry(draft: RankingDraft, from: number, to: number): RankingDraft {
  const { order } = draft;
  if (from === to || from < 0 || to < 0 || from >= order.length || to >= order.length) return draft;
  const group: Record<CandidateLabel, number> = {};
  groupsOf(draft).forEach((members, index) => members.forEach((label) => (group[label] = index)));
  const moved = order[from];
  const rest = order.filter((_, i) => i !== from);
  const next = [...rest.slice(0, to), moved, ...rest.slice(to)];
  const before = next[to - 1];
  const after = next[to + 1];
  if (before !== undefined && after !== undefined && group[before] === group[after]) {
    group[moved] = group[before];
  } else if (group[before] !== group[moved] && group[after] !== group[moved]) {
    group[moved] = -1;
  }
  const tied: Record<CandidateLabel, boolean> = {};
  next.forEach((label, i) => (tied[label] = i > 0 && group[label] !== -1 && group[label] === group[next[i - 1]]));
  return { ...draft, order: next, tied };
}

export const moveBy = (draft: RankingDraft, label: CandidateLabel, delta: number): RankingDraft => {
  const from = draft.order.indexOf(label);
  return from === -1 ? draft : moveEntry(draft, from, Math.max(0, Math.min(draft.order.length - 1, from + delta)));
};

export function toggleTie(draft: RankingDraft, label: CandidateLabel): RankingDraft {
  if (draft.order.indexOf(label) <= 0) return draft;
  return { ...draft, tied: { ...draft.tied, [label]: !draft.tied[label] } };
}

export const setNoneAcceptable = (draft: RankingDraft, value: boolean): RankingDraft => ({ ...draft, noneAcceptable: value });

export const ranking: QuestionModel<RankingQuestion, RankingDraft> = {
  init(question, { labels }, previous) {
    const draft: RankingDraft = { order: [...labels], tied: {}, noneAcceptable: false };
    if (!isRecord(previous)) return draft;
    draft.noneAcceptable = previous.none_acceptable === true && question.allow_none_acceptable;
    if (!Array.isArray(previous.ranking)) return draft;
    const order: CandidateLabel[] = [];
    const tied: Record<CandidateLabel, boolean> = {};
    for (const group of previous.ranking) {
      if (!Array.isArray(group)) continue;
      group.forEach((label, index) => {
        if (typeof label !== 'string' || !labels.includes(label) || order.includes(label)) return;
        tied[label] = index > 0 && question.allow_ties;
        order.push(label);
      });
    }
    // Anything the previous answer didn't place (there should be nothing) goes last.
    for (const label of labels) if (!order.includes(label)) order.push(label);
    if (order.length > 0) tied[order[0]] = false;
    return { ...draft, order, tied };
  },

  validate(question, draft, { labels }) {
    const issues: Issue[] = [];
    if (draft.noneAcceptable) {
      if (!question.allow_none_acceptable) {
        issues.push({ field: 'none_acceptable', message: "this question does not allow 'none acceptable'" });
      }
      return issues;
    }
    const placed = draft.order;
    if (new Set(placed).size !== placed.length) issues.push({ field: 'ranking', message: 'a candidate appears twice' });
    const missing = labels.filter((l) => !placed.includes(l));
    const extra = placed.filter((l) => !labels.includes(l));
    if (extra.length) issues.push({ field: `ranking.${extra[0]}`, message: `no candidate '${extra[0]}' was shown` });
    if (missing.length) issues.push({ field: `ranking.${missing[0]}`, message: 'every shown candidate needs a place' });
    if (!question.allow_ties && groupsOf(draft).some((g) => g.length > 1)) {
      issues.push({ field: 'ranking', message: 'this question does not allow ties' });
    }
    return issues;
  },

  toAnswer(_question, draft): RankingAnswer {
    if (draft.noneAcceptable) return { ranking: [], none_acceptable: true };
    return { ranking: groupsOf(draft), none_acceptable: false };
  },
};
