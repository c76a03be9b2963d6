"""Turn several annotators' rankings of the same candidates into one consensus order.

A ranking is a list of tiers, best first; items in one tier are tied. A ranking may name only
some of the items (an annotator who was shown fewer candidates): it says nothing about the
items it leaves out. Pairwise judgments are rankings too: ``[[a], [b]]``, or ``[[a, b]]`` for a
tie.

Two aggregators, for two needs:

* ``ranked_pairs`` (Tideman) gives an order as tiers. It follows the majority wherever the
  majority is consistent, and resolves a cycle by overruling its weakest majority.
* ``bradley_terry`` gives a score per item whose differences are log-odds of winning, for
  exports that want a graded signal rather than only an order.

A tie counts as half a win each way, everywhere here. So an annotator who saw a and b is one
comparison of that pair whatever they answered, which keeps the evidence per pair comparable
between annotators, and a tie pulls Bradley-Terry strengths together instead of being ignored.
In ranked pairs the halves cancel: a tie moves no margin.

Items must be hashable and mutually orderable (ints, strs, UUIDs). Their order is used only to
break exact ties, so results never depend on the order of the input, dicts or sets.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar


class _Key(Hashable, Protocol):
    """Hashable and orderable, as ints, strs and UUIDs are."""

    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Key)

Tiers: TypeAlias = list[list[K]]
"""Best first; the items of one inner list are tied."""
Ranking: TypeAlias = Sequence[Collection[K]]
"""One annotator's tiers; read-only, so tuples and sets of tied items are fine."""
PairCounts: TypeAlias = dict[tuple[K, K], float]
"""``counts[a, b]``: how often a beat b, ties counting one half."""
Comparisons: TypeAlias = Sequence[Ranking[K]] | Mapping[tuple[K, K], float]
"""Either the rankings themselves or their ``pairwise_counts``."""


def pairwise_counts(rankings: Iterable[Ranking[K]]) -> PairCounts[K]:
    """Count how often each item beat each other one across ``rankings``.

    Both ``(a, b)`` and ``(b, a)`` are present for every pair some ranking compared (one of
    them possibly 0.0), so ``counts[a, b] + counts[b, a]`` is the number of rankings that
    compared a and b. A pair no ranking compared is absent. Empty tiers are skipped.

    Raises ValueError if an item appears twice in one ranking: that ranking contradicts itself.
    """
    counts: PairCounts[K] = {}
    for ranking in rankings:
        tiers = [list(tier) for tier in ranking if tier]
        placed = [item for tier in tiers for item in tier]
        if len(set(placed)) != len(placed):
            raise ValueError(f"an item appears twice in the ranking {tiers!r}")
        for position, tier in enumerate(tiers):
            for i, a in enumerate(tier):
                for b in tier[i + 1 :]:
                    _add(counts, a, b, 0.5)
                    _add(counts, b, a, 0.5)
            for worse in tiers[position + 1 :]:
                for a in tier:
                    for b in worse:
                        _add(counts, a, b, 1.0)
                        _add(counts, b, a, 0.0)
    return counts


def ranked_pairs(items: Iterable[K], comparisons: Comparisons[K]) -> Tiers[K]:
    """Tideman's ranked pairs consensus of ``items``, as tiers.

    Each pair's margin is ``counts[a, b] - counts[b, a]``. Pairs with a positive margin are
    taken strongest first (equal margins: the pair whose winner, then loser, sorts first) and
    each is locked unless it would close a cycle with the pairs locked before it, so a cycle is
    broken at its weakest majority.

    Tiers are the layers of the locked graph: an item's tier is the length of the longest
    locked path reaching it, so tier 0 holds the items nothing was locked above. Two items in
    one tier have no locked path between them; that says "not ordered", not "judged equal"
    (a chain a>b>c beside d>e gives [[a, d], [b, e], [c]]). Items that no comparison pairs with
    another item of ``items`` form one last tier, since there is no evidence to place them.
    Within a tier items are sorted. Comparisons naming items outside ``items`` are ignored.
    """
    order = _canonical(items)
    rank = {item: i for i, item in enumerate(order)}
    counts = _counts_among(rank, comparisons)

    pairs = [
        (counts[a, b] - counts.get((b, a), 0.0), a, b)
        for (a, b) in counts
        if counts[a, b] > counts.get((b, a), 0.0)
    ]
    pairs.sort(key=lambda p: (-p[0], rank[p[1]], rank[p[2]]))
    beats: dict[K, list[K]] = {item: [] for item in order}
    for _, winner, loser in pairs:
        if not _reaches(beats, loser, winner):
            beats[winner].append(loser)

    compared = {item for pair, count in counts.items() if count > 0 for item in pair}
    depth = dict.fromkeys(compared, 0)
    for item in _topological(beats, [i for i in order if i in compared]):
        for loser in beats[item]:
            depth[loser] = max(depth[loser], depth[item] + 1)
    tiers: Tiers[K] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for item in order:
        if item in compared:
            tiers[depth[item]].append(item)
    uncompared = [item for item in order if item not in compared]
    if uncompared:
        tiers.append(uncompared)
    return tiers


def bradley_terry(
    items: Iterable[K],
    comparisons: Comparisons[K],
    *,
    prior: float = 1.0,
    iterations: int = 10_000,
    tolerance: float = 1e-10,
    start: Mapping[K, float] | None = None,
) -> dict[K, float]:
    """Bradley-Terry scores of ``items``: P(a beats b) = 1 / (1 + exp(score[b] - score[a])).

    Scores are log-strengths normalised to sum to 0, so 0 is the average item and a score
    difference is the log-odds of winning. They are fitted by Hunter's (2004) MM algorithm.

    Maximum likelihood alone is infinite for an item that always wins or always loses, and
    wild for one compared once. So every item also plays ``prior`` virtual games, all drawn,
    spread evenly over the other items (a pseudo-count): scores stay finite, thin evidence is
    pulled towards the others, and an item never compared lands near the middle. A virtual
    game between real items, rather than against a fixed outside opponent, keeps the fit
    scale-free, so the MM iteration converges quickly. Use a smaller ``prior`` to trust the
    data more; it must be positive.

    Iteration stops when no log-strength moved more than ``tolerance``, or after
    ``iterations`` rounds. ``start`` (scores of a nearby fit, e.g. of the full data for a
    bootstrap resample) only saves iterations: the fit is the same. Comparisons naming items
    outside ``items`` are ignored.
    """
    if prior <= 0:
        raise ValueError("prior must be positive, or strengths of unbeaten items diverge")
    order = _canonical(items)
    if len(order) < 2:
        return dict.fromkeys(order, 0.0)
    counts = _counts_among(set(order), comparisons)

    # games[i][j]: real plus virtual games between i and j; wins[i]: real plus half the virtual.
    virtual = prior / (len(order) - 1)
    wins = [prior / 2] * len(order)
    games = [[0.0] * len(order) for _ in order]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            if i != j:
                wins[i] += counts.get((a, b), 0.0)
                games[i][j] = counts.get((a, b), 0.0) + counts.get((b, a), 0.0) + virtual

    logs = [float(start.get(item, 0.0)) if start else 0.0 for item in order]
    for _ in range(iterations):
        strengths = [math.exp(x) for x in logs]
        updated = [
            math.log(wins[i])
            - math.log(math.fsum(n / (p + q) for n, q in zip(games[i], strengths, strict=True)))
            for i, p in enumerate(strengths)
        ]
        # The likelihood ignores a common factor, so fixing the mean costs nothing.
        mean = math.fsum(updated) / len(updated)
        updated = [x - mean for x in updated]
        moved = max(abs(new - old) for new, old in zip(updated, logs, strict=True))
        logs = updated
        if moved < tolerance:
            break
    return dict(zip(order, logs, strict=True))


def order_by_scores(scores: Mapping[K, float], *, tolerance: float = 1e-9) -> Tiers[K]:
    """Tiers of ``scores``' items, highest score first.

    An item joins the current tier when its score is within ``tolerance`` of that tier's
    *highest* score, so near-ties do not chain into one long tier. Within a tier items are
    sorted.
    """
    ranked = sorted(scores, key=lambda item: (-scores[item], item))
    tiers: Tiers[K] = []
    top = 0.0
    for item in ranked:
        if tiers and top - scores[item] <= tolerance:
            tiers[-1].append(item)
        else:
            tiers.append([item])
            top = scores[item]
    return [sorted(tier) for tier in tiers]


def ranks_from_tiers(tiers: Iterable[Collection[K]]) -> dict[K, int]:
    """Dense ranks: 0 is best, tied items share a rank, the next tier is one lower.

    ``[[a, b], [c]]`` gives ``{a: 0, b: 0, c: 1}``, the convention of TRL's ranking data (ints,
    0 = best, ties share a rank). Empty tiers take no rank. Raises ValueError if an item is
    placed twice.
    """
    ranks: dict[K, int] = {}
    for rank, tier in enumerate(tier for tier in tiers if tier):
        for item in tier:
            if item in ranks:
                raise ValueError(f"{item!r} is placed twice")
            ranks[item] = rank
    return ranks


def _add(counts: PairCounts[K], a: K, b: K, amount: float) -> None:
    counts[a, b] = counts.get((a, b), 0.0) + amount


def _canonical(items: Iterable[K]) -> list[K]:
    # Sorting fixes every later iteration order, which is what makes results reproducible.
    return sorted(set(items))


def _counts_among(known: Collection[K], comparisons: Comparisons[K]) -> PairCounts[K]:
    counts = comparisons if isinstance(comparisons, Mapping) else pairwise_counts(comparisons)
    kept: PairCounts[K] = {}
    for (a, b), count in counts.items():
        if count < 0:
            raise ValueError(f"negative count {count!r} for {(a, b)!r}")
        if a != b and a in known and b in known:
            kept[a, b] = float(count)
            kept.setdefault((b, a), 0.0)
    return kept


def _reaches(beats: Mapping[K, list[K]], start: K, goal: K) -> bool:
    seen = {start}
    stack = [start]
    while stack:
        item = stack.pop()
        if item == goal:
            return True
        for nxt in beats[item]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _topological(beats: Mapping[K, list[K]], nodes: list[K]) -> list[K]:
    # Kahn's algorithm; the locked graph is acyclic by construction.
    incoming = dict.fromkeys(nodes, 0)
    for item in nodes:
        for loser in beats[item]:
            incoming[loser] += 1
    ready = [item for item in nodes if incoming[item] == 0]
    result: list[K] = []
    while ready:
        item = ready.pop()
        result.append(item)
        for loser in beats[item]:
            incoming[loser] -= 1
            if incoming[loser] == 0:
                ready.append(loser)
    return result
