"""Inter-annotator agreement: Krippendorff's alpha, raw pairwise agreement and a per-item
disagreement score, from the answers of the current judgments.

A *measure* is one thing annotators can agree on, with its level of measurement; a *unit* is
one thing they judged (an item, an item's candidate, an item's pair of candidates). Each
question kind gives these measures (the answer labels "A", "B", ... map to candidates through
the judgment's ``shown_order``, so position randomisation never counts as disagreement):

* ``pairwise`` — the choice per (item, candidate pair), **nominal** with four categories:
  the lower-id candidate, the other, ``tie`` and ``both_bad`` (a tie and "both bad" are
  answers an annotator gives on purpose, so they are categories, not missing values); with
  ``strength``, ``<id>.strength`` is **ordinal** on -3..3 (strong for the one .. tie 0 ..
  strong for the other; "both bad" is left out).
* ``ranking`` — each candidate's rank (0 = best, ties share one) per (item, candidate),
  **ordinal**; a "none acceptable" answer ranks nothing.
* ``binary`` — up/down per (item, candidate), **nominal**.
* ``negative_only`` — marked unacceptable or not per (item, candidate shown), **nominal**.
* ``rating`` — ``<id>.<attribute>`` per (item, candidate), **ordinal** (Likert points are
  ordered, their spacing is not known).
* ``labels`` — ``<id>.<label>`` per (item) or (item, candidate): a flag **nominal** (not set
  counts as false), a scale **ordinal**.
* ``text`` — none.

Alpha is computed from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"); ``tests/quality/test_agreement_alpha.py`` checks it against the
``krippendorff`` package.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prefhub.campaigns.answers import LABELS
from prefhub.campaigns.spec import CampaignSpec
from prefhub.exports.consensus import question_tallies
from prefhub.exports.judgment_record import JudgmentRecord

Level = Literal["nominal", "ordinal", "interval"]
STRENGTH = {"slight": 1, "clear": 2, "strong": 3}


@dataclass(frozen=True)
class Measure:
    id: str
    question: str
    kind: str
    level: Level


def measures_of(spec: CampaignSpec) -> list[Measure]:
    found: list[Measure] = []
    for q in spec.questions:
        if q.kind == "pairwise":
            found.append(Measure(q.id, q.id, q.kind, "nominal"))
            if q.strength:
                found.append(Measure(f"{q.id}.strength", q.id, q.kind, "ordinal"))
        elif q.kind == "ranking":
            found.append(Measure(q.id, q.id, q.kind, "ordinal"))
        elif q.kind in ("binary", "negative_only"):
            found.append(Measure(q.id, q.id, q.kind, "nominal"))
        elif q.kind == "rating":
            found.extend(Measure(f"{q.id}.{a.id}", q.id, q.kind, "ordinal") for a in q.attributes)
        elif q.kind == "labels":
            found.extend(
                Measure(
                    f"{q.id}.{label.id}",
                    q.id,
                    q.kind,
                    "nominal" if label.type == "flag" else "ordinal",
                )
                for label in q.labels
            )
    return found


def _candidate(shown_order: Sequence[Any], label: str) -> Any:
    position = LABELS.find(label)
    return shown_order[position] if 0 <= position < len(shown_order) else None


def values_of(
    measure: Measure, answers: Mapping[str, Any], shown_order: Sequence[Any]
) -> Iterator[tuple[Hashable, Hashable]]:
    """(unit within the item, value) pairs one judgment gives ``measure``."""
    answer = answers.get(measure.question)
    if not isinstance(answer, dict):
        return
    kind = measure.kind
    if kind == "pairwise":
        if len(shown_order) < 2:
            return
        a, b = shown_order[0], shown_order[1]
        pair = (min(a, b), max(a, b))
        choice = answer.get("choice")
        if choice not in ("A", "B", "tie", "both_bad"):
            return
        if measure.id == measure.question:
            if choice in ("A", "B"):
                winner = a if choice == "A" else b
                yield pair, "first" if winner == pair[0] else "second"
            else:
                yield pair, choice
        elif choice == "tie":
            yield pair, 0
        elif choice in ("A", "B") and answer.get("strength") in STRENGTH:
            winner = a if choice == "A" else b
            yield pair, STRENGTH[answer["strength"]] * (-1 if winner == pair[0] else 1)
    elif kind == "ranking":
        if answer.get("none_acceptable"):
            return
        for rank, tier in enumerate(answer.get("ranking") or []):
            for label in tier:
                candidate = _candidate(shown_order, label)
                if candidate is not None:
                    yield candidate, rank
    elif kind == "binary":
        for label, vote in (answer.get("votes") or {}).items():
            candidate = _candidate(shown_order, label)
            if candidate is not None:
                yield candidate, vote
    elif kind == "negative_only":
        marked = answer.get("unacceptable") or {}
        for position, candidate in enumerate(shown_order):
            yield candidate, "unacceptable" if LABELS[position] in marked else "acceptable"
    elif kind == "rating":
        attribute = measure.id[len(measure.question) + 1 :]
        for label, scores in (answer.get("scores") or {}).items():
            candidate = _candidate(shown_order, label)
            value = scores.get(attribute) if isinstance(scores, dict) else None
            if candidate is not None and isinstance(value, int):
                yield candidate, value
    elif kind == "labels":
        label_id = measure.id[len(measure.question) + 1 :]
        flag = measure.level == "nominal"
        if label_id in answer or not any(isinstance(v, dict) for v in answer.values()):
            yield from _label_value(None, answer.get(label_id), flag)
            return
        for label, labelled in answer.items():
            candidate = _candidate(shown_order, label)
            if candidate is not None and isinstance(labelled, dict):
                yield from _label_value(candidate, labelled.get(label_id), flag)


def _label_value(unit: Hashable, value: Any, flag: bool) -> Iterator[tuple[Hashable, Hashable]]:
    if flag:
        yield unit, bool(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield unit, value


# --- Krippendorff's alpha -------------------------------------------------------------------

Coincidences = dict[tuple[Hashable, Hashable], float]


@dataclass
class Sums:
    """What alpha and raw agreement need from a set of units, in integers, so that a unit can
    be added and later taken out again exactly (``sign`` -1) when its values change.

    A unit of m values adds to the coincidence matrix its ordered value pairs over m - 1;
    ``pairs[m, c, k]`` keeps those pair counts per m, so the matrix is a sum of exact integers
    divided only when it is read (``matrix``). Units with fewer than two values add nothing."""

    pairs: dict[tuple[int, Hashable, Hashable], int] = field(default_factory=dict)
    agreeing: int = 0  # agreeing ordered annotator pairs
    total: int = 0  # ordered annotator pairs
    units: int = 0  # pairable units
    values: int = 0  # values in pairable units

    def add(self, unit: Mapping[Hashable, int], sign: int = 1) -> None:
        m = sum(unit.values())
        if m < 2:
            return
        self.units += sign
        self.values += sign * m
        self.total += sign * m * (m - 1)
        for c, n_c in unit.items():
            self.agreeing += sign * n_c * (n_c - 1)
            for k, n_k in unit.items():
                found = n_c * (n_k - (1 if c == k else 0))
                if found:
                    self._count((m, c, k), sign * found)

    def update(self, other: Sums, sign: int = 1) -> None:
        for key, n in other.pairs.items():
            self._count(key, sign * n)
        self.agreeing += sign * other.agreeing
        self.total += sign * other.total
        self.units += sign * other.units
        self.values += sign * other.values

    def _count(self, key: tuple[int, Hashable, Hashable], n: int) -> None:
        found = self.pairs.get(key, 0) + n
        if found:
            self.pairs[key] = found
        else:
            del self.pairs[key]

    @property
    def empty(self) -> bool:
        return self.units == 0 and not self.pairs

    def matrix(self) -> Coincidences:
        found: Coincidences = {}
        for (m, c, k), n in self.pairs.items():
            found[c, k] = found.get((c, k), 0.0) + n / (m - 1)
        return found

    def agreement(self, level: Level) -> Agreement:
        return Agreement(
            alpha=alpha(self.matrix(), level),
            raw=self.agreeing / self.total if self.total else None,
            units=self.units,
            values=self.values,
        )


def alpha(matrix: Mapping[tuple[Hashable, Hashable], float], level: Level) -> float | None:
    """Krippendorff's alpha of a coincidence matrix; None when it is undefined (fewer than two
    pairable values, or every value the same)."""
    totals: dict[Any, float] = {}
    for (c, _), o in matrix.items():
        totals[c] = totals.get(c, 0.0) + o
    n = sum(totals.values())
    if n <= 1 or len(totals) < 2:
        return None
    delta = _distance(totals, level)
    observed = sum(o * delta(c, k) for (c, k), o in matrix.items())
    values = list(totals)
    expected = sum(
        totals[c] * totals[k] * delta(c, k) for i, c in enumerate(values) for k in values[i + 1 :]
    )
    if expected == 0:
        return None
    # Each unordered value pair appears once in ``expected`` and twice in ``observed``.
    return float(1.0 - (n - 1) * observed / (2 * expected))


def _distance(totals: Mapping[Any, float], level: Level) -> Any:
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    ordered = sorted(totals)
    position = {v: i for i, v in enumerate(ordered)}
    cumulative = [0.0]
    for v in ordered:
        cumulative.append(cumulative[-1] + totals[v])

    def ordinal(c: Any, k: Any) -> float:
        lo, hi = sorted((position[c], position[k]))
        between = cumulative[hi + 1] - cumulative[lo]
        return (between - (totals[c] + totals[k]) / 2) ** 2

    return ordinal


@dataclass(frozen=True)
class Agreement:
    alpha: float | None
    raw: float | None  # share of agreeing annotator pairs over the pairable units
    units: int  # pairable units (two or more values)
    values: int  # values in pairable units


def agreement(units: Iterable[Mapping[Hashable, int]], level: Level) -> Agreement:
    sums = Sums()
    for unit in units:
        sums.add(unit)
    return sums.agreement(level)


def entropy(tally: Sequence[int] | Mapping[Any, int], categories: int | None = None) -> float:
    """Shannon entropy of a vote tally over its categories, normalised to 0..1: 0 when every
    vote is the same, 1 when they are spread evenly over all ``categories``."""
    counts = [n for n in (tally.values() if isinstance(tally, Mapping) else tally) if n > 0]
    n = sum(counts)
    k = categories if categories is not None else len(tally)
    if n < 2 or len(counts) < 2 or k < 2:
        return 0.0
    h = -sum(c / n * math.log(c / n) for c in counts)
    return h / math.log(min(k, n))


def item_disagreement(records: list[JudgmentRecord], kinds: Mapping[str, str]) -> float:
    """An item's disagreement, 0..1: the highest normalised vote entropy over the units its
    current judgments vote on (each candidate pair of a pairwise, ranking or rating question,
    each candidate of a binary one). 0 means every annotator voted alike; any split is above 0,
    so the data browser's ``has_disagreement`` is exactly ``disagreement > 0``."""
    return max(
        (
            entropy(tally)
            for question, kind in kinds.items()
            for tally in question_tallies(records, question, kind)
        ),
        default=0.0,
    )
