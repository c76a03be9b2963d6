"""One item's judgments as votes, and the consensus an aggregated export writes.

A judgment's answer to a preference question is an order of the candidates it compared, as
tiers (best first; candidates in one tier are level): pairwise "A"/"B" gives
``[[winner], [loser]]``, "tie" and "both_bad" give ``[[a, b]]`` (neither preferred), a ranking
its tiers, a rating the candidates grouped by mean score (``preferences.py``).

Every pair of candidates then has *votes*: how many judgments put the first above the second,
the second above the first, or both level. From the votes:

* ``majority``: a pair is a preference when a win for one side has a strict plurality of its
  votes (more than the other side and more than "level"); otherwise the pair is a tie. The
  order of all candidates is by majority wins minus losses (Copeland).
* ``ranked_pairs``: Tideman's order over the same evidence (a cycle is broken at its weakest
  majority), and a preference for every two candidates in different tiers.
* ``bradley_terry``: a score per candidate (log-odds of winning; ties count half), an order by
  score, and a preference for every two candidates with different scores, the score
  difference as its margin.

*Agreement* is the share of votes that went with their pair's plurality outcome, over the pairs
at least two judgments compared. An item's agreement for ``--min-agreement``
(``item_agreement``) is None only when one judgment judged it (``single_judgment``); an item
two or more judged whose judgments never compared the same pair nor voted on the same
candidate has agreement 0 (nothing shows they agree), so it is dropped as ``low_agreement``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from prefhub.aggregation.rankings import (
    bradley_terry,
    order_by_scores,
    pairwise_counts,
    ranked_pairs,
)
from prefhub.campaigns.answers import LABELS
from prefhub.exports.formats.preferences import (
    PREFERENCE_KINDS,
    candidate_of,
    ordered_pairs,
    ranking_tiers,
    rating_means,
    tiers_by_score,
)
from prefhub.exports.judgment_record import JudgmentRecord

Method = Literal["majority", "ranked_pairs", "bradley_terry"]
Tiers = list[list[int]]
# Outcomes of a pair (a, b), a < b: a above b, b above a, level.
ABOVE, BELOW, LEVEL = 0, 1, 2


@dataclass(frozen=True)
class Preference:
    better: int
    worse: int
    margin: float | None
    votes: dict[str, int]  # {"chosen": n, "rejected": n, "tie": n}


@dataclass
class Consensus:
    """One question's consensus over one item's candidates."""

    question: str
    kind: str
    records: list[JudgmentRecord]  # the judgments that stated an order, in judgment order
    orders: list[Tiers]  # what each of them stated
    tiers: Tiers
    preferences: list[Preference]
    scores: dict[int, float] | None = None
    votes: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    @property
    def agreement(self) -> float | None:
        return agreement_of(self.votes.values())


def stated_order(record: JudgmentRecord, kind: str, answer: dict[str, Any]) -> Tiers | None:
    """The order a judgment's answer states, or None when it states none (no choice made, none
    acceptable, nothing scored)."""
    if kind == "pairwise":
        choice = answer.get("choice")
        if choice in ("A", "B"):
            winner = 0 if choice == "A" else 1
            return [[record.shown_order[winner]], [record.shown_order[1 - winner]]]
        if choice in ("tie", "both_bad"):
            return [sorted(record.shown_order[:2])]
        return None
    if kind == "ranking":
        tiers = ranking_tiers(record, answer)
    else:
        tiers = tiers_by_score(rating_means(record, answer))
    return tiers if sum(len(t) for t in tiers) >= 2 else None


def count_votes(orders: list[Tiers]) -> dict[tuple[int, int], list[int]]:
    votes: dict[tuple[int, int], list[int]] = {}
    for tiers in orders:
        for outcome, a, b in _outcomes(tiers):
            votes.setdefault((a, b), [0, 0, 0])[outcome] += 1
    return votes


def _outcomes(tiers: Tiers) -> Iterator[tuple[int, int, int]]:
    """(outcome, a, b) with a < b for every pair the order compares."""
    for tier in tiers:
        ordered = sorted(tier)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                yield LEVEL, a, b
    for better, worse in ordered_pairs(tiers):
        yield (ABOVE, better, worse) if better < worse else (BELOW, worse, better)


def agreement_of(pair_votes: Any) -> float | None:
    agreed = total = 0
    for counts in pair_votes:
        n = sum(counts)
        if n >= 2:
            agreed += max(counts)
            total += n
    return agreed / total if total else None


def consensus(
    method: Method, question: str, kind: str, records: list[JudgmentRecord]
) -> Consensus | None:
    """The consensus of ``records``' answers to ``question``; None when none states an order."""
    stated = [
        (record, order)
        for record in records
        if question in record.answers
        and (order := stated_order(record, kind, record.answers[question])) is not None
    ]
    if not stated:
        return None
    orders = [order for _, order in stated]
    votes = count_votes(orders)
    compared = sorted({c for pair in votes for c in pair})
    scores = None
    if method == "majority":
        preferences = _majority_preferences(votes)
        standing = dict.fromkeys(compared, 0.0)
        for p in preferences:
            standing[p.better] += 1
            standing[p.worse] -= 1
        tiers = order_by_scores(standing)
    else:
        counts = pairwise_counts(orders)
        if method == "ranked_pairs":
            tiers = ranked_pairs(compared, counts)
            preferences = [
                _preference(votes, a, b, float(depth_b - depth_a))
                for depth_a, depth_b, a, b in _tier_pairs(tiers)
            ]
        else:
            scores = {c: round(s, 4) for c, s in bradley_terry(compared, counts).items()}
            tiers = order_by_scores(scores, tolerance=1e-4)
            preferences = [
                _preference(votes, a, b, round(scores[a] - scores[b], 4))
                for _, _, a, b in _tier_pairs(tiers)
            ]
    return Consensus(
        question=question,
        kind=kind,
        records=[record for record, _ in stated],
        orders=orders,
        tiers=tiers,
        preferences=preferences,
        scores=scores,
        votes=votes,
    )


def _majority_preferences(votes: dict[tuple[int, int], list[int]]) -> list[Preference]:
    preferences = []
    for (a, b), (above, below, level) in sorted(votes.items()):
        if above > max(below, level):
            preferences.append(_preference(votes, a, b, None))
        elif below > max(above, level):
            preferences.append(_preference(votes, b, a, None))
    # Strongest first, like the other methods' best-first order.
    preferences.sort(key=lambda p: (-(p.votes["chosen"] - p.votes["rejected"]), p.better, p.worse))
    return preferences


def _tier_pairs(tiers: Tiers) -> Iterator[tuple[int, int, int, int]]:
    """(tier of a, tier of b, a, b) for every a in a better tier than b."""
    for depth_a, tier in enumerate(tiers):
        for depth_b in range(depth_a + 1, len(tiers)):
            for a in tier:
                for b in tiers[depth_b]:
                    yield depth_a, depth_b, a, b


def _preference(
    votes: dict[tuple[int, int], list[int]], better: int, worse: int, margin: float | None
) -> Preference:
    above, below, level = votes.get((min(better, worse), max(better, worse)), [0, 0, 0])
    chosen, rejected = (above, below) if better < worse else (below, above)
    return Preference(better, worse, margin, {"chosen": chosen, "rejected": rejected, "tie": level})


def binary_votes(
    records: list[JudgmentRecord], question: str
) -> dict[int, tuple[int, int, list[JudgmentRecord]]]:
    """Per candidate: (up votes, down votes, the judgments that voted) for a binary question."""
    tally: dict[int, tuple[int, int, list[JudgmentRecord]]] = {}
    for record in records:
        for label, vote in (record.answers.get(question) or {}).get("votes", {}).items():
            candidate = candidate_of(record, label)
            up, down, voters = tally.get(candidate, (0, 0, []))
            tally[candidate] = (up + (vote == "up"), down + (vote != "up"), [*voters, record])
    return dict(sorted(tally.items()))


def unacceptable_votes(
    records: list[JudgmentRecord], question: str
) -> dict[int, tuple[int, int, list[str], list[JudgmentRecord]]]:
    """Per candidate shown: (judgments marking it unacceptable, judgments showing it, the
    reasons given, sorted and unique, the judgments that showed it)."""
    tally: dict[int, tuple[int, int, list[str], list[JudgmentRecord]]] = {}
    for record in records:
        if question not in record.answers:
            continue
        marked = record.answers[question].get("unacceptable", {})
        for position, candidate in enumerate(record.shown_order):
            flags, shown, reasons, seen = tally.get(candidate, (0, 0, [], []))
            if LABELS[position] in marked:
                flags += 1
                reasons = sorted(set(reasons) | set(marked[LABELS[position]]))
            tally[candidate] = (flags, shown + 1, reasons, [*seen, record])
    return dict(sorted(tally.items()))


def item_agreement(records: list[JudgmentRecord], kinds: dict[str, str]) -> float | None:
    """Agreement over every pair compared and every binary vote, all questions together: None
    for an item one judgment judged, 0.0 when two or more judged it but none compared what
    another did."""
    if len({record.judgment_id for record in records}) < 2:
        return None
    pooled = [
        tally
        for question, kind in kinds.items()
        for tally in question_tallies(records, question, kind)
    ]
    found = agreement_of(pooled)
    return 0.0 if found is None else found


def question_tallies(records: list[JudgmentRecord], question: str, kind: str) -> list[list[int]]:
    """The votes on one question: each pair's (a preference question) or each candidate's up
    and down votes (a binary one); none for other kinds."""
    if kind in PREFERENCE_KINDS:
        orders = [
            order
            for record in records
            if question in record.answers
            and (order := stated_order(record, kind, record.answers[question])) is not None
        ]
        return list(count_votes(orders).values())
    if kind == "binary":
        return [[up, down] for up, down, _ in binary_votes(records, question).values()]
    return []


def leave_one_out(found: Consensus) -> Iterator[tuple[JudgmentRecord, int, int]]:
    """(judgment, pairs, pairs agreeing) from ``agreement_with_others`` for each judgment."""
    for record, (compared, agreed) in zip(
        found.records, agreement_with_others(found.orders, found.votes), strict=True
    ):
        yield record, compared, agreed


def agreement_with_others(
    orders: list[Tiers], votes: dict[tuple[int, int], list[int]] | None = None
) -> list[tuple[int, int]]:
    """For each order: (pairs where the other orders had a strict plurality outcome, pairs it
    sided with that plurality); how often an annotator agrees with the others."""
    votes = count_votes(orders) if votes is None else votes
    found = []
    for order in orders:
        compared = agreed = 0
        for outcome, a, b in _outcomes(order):
            others = list(votes[a, b])
            others[outcome] -= 1
            top = max(others)
            if top and others.count(top) == 1:
                compared += 1
                agreed += others[outcome] == top
        found.append((compared, agreed))
    return found
