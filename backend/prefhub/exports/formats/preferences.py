"""What item judgments say about their candidates, shared by the item-campaign formats.

A judgment names candidates by the label shown ("A", "B", …); ``shown_order[i]`` is the
candidate shown as ``LABELS[i]``. From each preference-bearing answer come *tiers* (groups of
equally good candidates, best first) and from tiers come (better, worse) *pairs*:

* pairwise "A"/"B": one pair, ``margin`` from strength (slight 1.0, clear 2.0, strong 3.0);
  "tie" and "both_bad" give none (counted under their own name).
* ranking: its tiers; a pair for every two candidates in different tiers, ``margin`` the
  number of tiers between them; "none acceptable" gives none (counted).
* rating: candidates grouped by the mean of their scores over the attributes given, best first;
  ``margin`` the difference of the means (rounded to 4 places); equal means give no pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prefhub.campaigns.answers import LABELS
from prefhub.exports.judgment_record import JudgmentRecord

STRENGTH_MARGINS = {"slight": 1.0, "clear": 2.0, "strong": 3.0}
PREFERENCE_KINDS = ("pairwise", "ranking", "rating")


@dataclass(frozen=True)
class Pair:
    question: str
    row_id: str
    chosen_label: str
    chosen: int
    rejected: int
    margin: float | None


def candidate_of(record: JudgmentRecord, label: str) -> int:
    return record.shown_order[LABELS.index(label)]


def label_of(record: JudgmentRecord, candidate_id: int) -> str:
    return LABELS[record.shown_order.index(candidate_id)]


def ordered_pairs(tiers: list[list[int]]) -> Iterator[tuple[int, int]]:
    """(better, worse) for every two items in different tiers, best tiers first."""
    for position, better in enumerate(tiers):
        for worse in tiers[position + 1 :]:
            for a in better:
                for b in worse:
                    yield a, b


def ranking_tiers(record: JudgmentRecord, answer: dict[str, Any]) -> list[list[int]]:
    """A ranking answer's groups as candidate ids, best first; none when nothing is ranked."""
    if answer.get("none_acceptable") and not answer.get("ranking"):
        return []
    return [[candidate_of(record, label) for label in group] for group in answer["ranking"]]


def rating_means(record: JudgmentRecord, answer: dict[str, Any]) -> dict[int, float]:
    """Each scored candidate's mean over the attributes it was given, in shown order."""
    means = {}
    for label in LABELS[: len(record.shown_order)]:
        scores = answer.get("scores", {}).get(label) or {}
        if scores:
            means[candidate_of(record, label)] = sum(scores.values()) / len(scores)
    return means


def tiers_by_score(means: dict[int, float]) -> list[list[int]]:
    """Candidates grouped by equal score, best first; shown order within a group."""
    tiers: dict[float, list[int]] = {}
    for candidate, mean in means.items():
        tiers.setdefault(mean, []).append(candidate)
    return [tiers[mean] for mean in sorted(tiers, reverse=True)]


def dense_rank_of(tiers: list[list[int]]) -> dict[int, int]:
    return {candidate: rank for rank, tier in enumerate(tiers) for candidate in tier}


def _tied_pairs(tiers: list[list[int]]) -> int:
    return sum(len(t) * (len(t) - 1) // 2 for t in tiers)


def preference_pairs(
    record: JudgmentRecord, kinds: dict[str, str], skipped: Counter[str]
) -> Iterator[Pair]:
    """Every (better, worse) pair the judgment's pairwise, ranking and rating answers state."""
    for question_id, answer in record.answers.items():
        kind = kinds.get(question_id)
        if kind == "pairwise":
            choice = answer.get("choice")
            if choice not in ("A", "B"):
                skipped[str(choice)] += 1
                continue
            winner = 0 if choice == "A" else 1
            yield Pair(
                question_id,
                f"j{record.judgment_id}.{question_id}",
                choice,
                record.shown_order[winner],
                record.shown_order[1 - winner],
                STRENGTH_MARGINS.get(answer.get("strength") or ""),
            )
        elif kind in ("ranking", "rating"):
            if kind == "ranking":
                tiers = ranking_tiers(record, answer)
                if not tiers:
                    skipped["none_acceptable"] += 1
                    continue
                skipped["tied_pairs"] += _tied_pairs(tiers)
                rank = dense_rank_of(tiers)
                margins = {(a, b): float(rank[b] - rank[a]) for a, b in ordered_pairs(tiers)}
            else:
                means = rating_means(record, answer)
                tiers = tiers_by_score(means)
                skipped["equal_score_pairs"] += _tied_pairs(tiers)
                margins = {(a, b): round(means[a] - means[b], 4) for a, b in ordered_pairs(tiers)}
            for (chosen, rejected), margin in margins.items():
                chosen_label, rejected_label = label_of(record, chosen), label_of(record, rejected)
                yield Pair(
                    question_id,
                    f"j{record.judgment_id}.{question_id}.{chosen_label}>{rejected_label}",
                    chosen_label,
                    chosen,
                    rejected,
                    margin,
                )
