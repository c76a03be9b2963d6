import type { CandidateLabel, RankingAnswer, RankingQuestion } from '@/lib/api-types';

import { isRecord, type Issue, type QuestionModel } from './common';

/**
 * A flat list, best first, where an entry may be "tied with the one above": the UI edits this,
 * and the answer's groups are derived from it. A ranking starts empty, every candidate in
 * `unranked`: the order shown is never an answer until the annotator places each candidate or
 * confirms that order ("Keep this order"), so it cannot leak into `dpo`/`ranking` exports.
 */
export type RankingDraft = {
  /** The placed candidates, best first. */
  order: CandidateLabel[];
  /** label → tied with the entry just above it (never true for the first entry). */
  tied: Record<CandidateLabel, boolean>;
  /** Shown but not placed yet, in the order shown. */
  unranked: CandidateLabel[];
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

/** Tied flags rebuilt from groups (best first). */
function fromGroups(draft: RankingDraft, groups: CandidateLabel[][], unranked: CandidateLabel[]): RankingDraft {
  const kept = groups.filter((g) => g.length > 0);
  const tied: Record<CandidateLabel, boolean> = {};
  kept.forEach((group) => group.forEach((label, i) => (tied[label] = i > 0)));
  return { ...draft, order: kept.flat(), tied, unranked };
}

/**
 * Put `label` (placed or not yet) at flat position `position` (0-based, clamped to the ranking's
 * end); a newly placed entry landing inside a tied group joins it, as a dragged one would.
 */
export function placeAt(draft: RankingDraft, label: CandidateLabel, position: number): RankingDraft {
  let next = draft;
  if (draft.unranked.includes(label)) {
    next = {
      ...draft,
      order: [...draft.order, label],
      tied: { ...draft.tied, [label]: false },
      unranked: draft.unranked.filter((l) => l !== label),
    };
  } else if (!draft.order.includes(label)) return draft;
  const from = next.order.indexOf(label);
  return moveEntry(next, from, Math.max(0, Math.min(next.order.length - 1, position)));
}

/** Place a not-yet-ranked candidate just below everything ranked so far. */
export const rankNext = (draft: RankingDraft, label: CandidateLabel): RankingDraft => placeAt(draft, label, draft.order.length);

/** Take `label` out of the ranking, back among the unranked (in the order shown by `labels`). */
export function unrank(draft: RankingDraft, label: CandidateLabel, labels: CandidateLabel[]): RankingDraft {
  if (!draft.order.includes(label)) return draft;
  const back = new Set([...draft.unranked, label]);
  const groups = groupsOf(draft).map((g) => g.filter((l) => l !== label));
  return fromGroups(draft, groups, labels.filter((l) => back.has(l)));
}

/** Everything back to unranked. */
export const clearRanking = (draft: RankingDraft, labels: CandidateLabel[]): RankingDraft => ({
  ...draft,
  order: [],
  tied: {},
  unranked: [...labels],
});

/** The annotator's explicit "keep this order": the unranked ones follow the ranked, as shown, untied. */
export const keepShownOrder = (draft: RankingDraft): RankingDraft => ({
  ...draft,
  order: [...draft.order, ...draft.unranked],
  tied: { ...draft.tied, ...Object.fromEntries(draft.unranked.map((l) => [l, false])) },
  unranked: [],
});

export const setNoneAcceptable = (draft: RankingDraft, value: boolean): RankingDraft => ({ ...draft, noneAcceptable: value });

export const ranking: QuestionModel<RankingQuestion, RankingDraft> = {
  init(question, { labels }, previous) {
    const draft: RankingDraft = { order: [], tied: {}, unranked: [...labels], noneAcceptable: false };
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
    // Anything the previous answer didn't place (there should be nothing) stays to be ranked.
    if (order.length > 0) tied[order[0]] = false;
    return { ...draft, order, tied, unranked: labels.filter((l) => !order.includes(l)) };
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
    const left = draft.unranked.filter((l) => labels.includes(l)).length;
    if (left > 0) {
      const total = labels.length;
      issues.push({
        field: 'ranking',
        message:
          left === total
            ? 'rank the responses, or keep the order shown'
            : `rank every response (${left} of ${total} not ranked yet), or keep the order shown for the rest`,
      });
      return issues;
    }
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
