"""Bootstrap confidence intervals for Bradley-Terry scores, from a table of game counts.

The resampling unit is one comparison (a judgment of a pair), as in Chatbot Arena's
leaderboard. Resampling n comparisons with replacement is approximated by the *Poisson
bootstrap*: every cell of the table (a pair and an outcome) is redrawn independently as
Poisson(its count). That is exact in the limit of many comparisons, costs one draw per cell
instead of one per comparison (a million judgments resample as fast as a hundred), and needs
nothing but the count table.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from prefhub.aggregation.rankings import K, PairCounts, bradley_terry

Games = Mapping[tuple[K, K], Sequence[float]]
"""``games[a, b] = (a_wins, b_wins, ties)``: how pair (a, b) came out, each pair once."""


def games_to_counts(games: Games[K]) -> PairCounts[K]:
    """Pair counts as ``bradley_terry`` reads them: a tie is half a win each way."""
    counts: PairCounts[K] = {}
    for (a, b), (a_wins, b_wins, ties) in games.items():
        counts[a, b] = counts.get((a, b), 0.0) + a_wins + ties / 2
        counts[b, a] = counts.get((b, a), 0.0) + b_wins + ties / 2
    return counts


def poisson(rng: random.Random, mean: float) -> int:
    """One Poisson(mean) draw: Knuth's method for small means, a rounded normal for large
    ones (whose error is far below the bootstrap's own)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    draws, product = 0, rng.random()
    while product > limit:
        draws += 1
        product *= rng.random()
    return draws


def bootstrap_bradley_terry(
    items: Sequence[K],
    games: Games[K],
    *,
    samples: int = 100,
    confidence: float = 0.95,
    seed: int = 0,
    prior: float = 1.0,
    fit: Mapping[K, float] | None = None,
) -> dict[K, tuple[float, float]]:
    """Percentile bootstrap interval of each item's Bradley-Terry score.

    ``fit`` is the scores of the full data if already known (it warm-starts every resample's
    fit, which then converges in a few rounds). The same ``seed`` gives the same intervals.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1")
    if samples < 2:
        raise ValueError("a bootstrap needs at least two samples")
    rng = random.Random(seed)
    start = fit if fit is not None else bradley_terry(items, games_to_counts(games), prior=prior)
    cells = sorted(games.items())
    draws: dict[K, list[float]] = {item: [] for item in items}
    for _ in range(samples):
        resampled = {
            pair: tuple(float(poisson(rng, n)) for n in outcome) for pair, outcome in cells
        }
        scores = bradley_terry(
            items, games_to_counts(resampled), prior=prior, tolerance=1e-7, start=start
        )
        for item, score in scores.items():
            draws[item].append(score)
    tail = (1 - confidence) / 2
    return {
        item: (_quantile(values, tail), _quantile(values, 1 - tail))
        for item, values in draws.items()
    }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
