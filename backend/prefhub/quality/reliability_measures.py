"""The measures of one annotator's reliability, each with the evidence it rests on, and the
combined score.

Every measure is a value with ``n``, how many observations it rests on, so that a rule can
wait for enough evidence (``QualityRule.min_evidence``):

* ``gold_accuracy`` — mean gold score over the gold items they answered (first answers);
  n = gold items.
* ``peer_agreement`` — MACE competence within their viewpoint (``quality.mace``): how often
  they give the answer that the others' answers imply for their viewpoint (each viewpoint's
  truth is linked to the others', so the whole campaign's answers count); n = units others
  also judged.
* ``left_share`` — share of "A" (the candidate shown first / on the left) among their
  decided pairwise answers, with ``position_bias_p``, the two-sided binomial test against
  0.5; n = decided pairwise answers.
* ``speed_ratio`` — their median time per judgment over the campaign's median; n =
  judgments with a time.
* ``straight_lining`` — share of their rating answers identical to their previous rating
  answer to the same question (same scores for the same shown positions); n = comparisons.
* ``skip_rate`` and ``report_rate`` — skipped (not reported) and reported tasks over the
  tasks they finished (submitted, skipped or reported); n = tasks finished.

The combined **score** (0..1) is a weighted mean where gold counts most and peer agreement
next, each weighed by how much evidence it has, shrunk towards ``PRIOR`` while there is
little; position bias, speed and straight-lining then multiply it as penalties::

    base  = (PRIOR * 1 + gold * 3 n_g / (n_g + 3) + peer * 2 n_p / (n_p + 10))
            / (1 + 3 n_g / (n_g + 3) + 2 n_p / (n_p + 10))
    score = base * position * speed * straight

    position = 1 - max(0, 2 |left_share - 0.5| - 0.2) / 0.8   when p < 0.01, else 1
    speed    = max(0.1, speed_ratio / 0.5)                      when below 0.5 (n >= 5), else 1
    straight = 1 - (straight_lining - 0.8) / 0.2 * 0.5          when above 0.8 (n >= 10), else 1

So an always-"A" clicker ends near 0 whatever else they do, an annotator twice as fast as
the campaign's median is not penalised at all, and skipping or reporting (legitimate) never
lowers the score: rules can still act on their rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import get_args

from prefhub.campaigns.spec import QualityMeasure

MEASURES: tuple[str, ...] = get_args(QualityMeasure)
PRIOR = 0.8
GOLD_WEIGHT, GOLD_HALF = 3.0, 3.0
PEER_WEIGHT, PEER_HALF = 2.0, 10.0
POSITION_P = 0.01
FAST_RATIO = 0.5
STRAIGHT_ABOVE = 0.8


@dataclass(frozen=True)
class Evidence:
    value: float | None
    n: int
    p_value: float | None = None


def binomial_p(k: int, n: int) -> float:
    """Two-sided p-value of ``k`` successes in ``n`` fair coin flips: exact, its tail summed
    in log space term by term (C(n, i+1) = C(n, i) (n - i) / (i + 1)), so thousands of
    answers cost a few thousand float operations."""
    if n == 0:
        return 1.0
    low = min(k, n - k)
    if low * 2 == n:
        return 1.0
    term = -n * math.log(2)  # log P(X = 0)
    tail = term
    for i in range(low):
        term += math.log(n - i) - math.log(i + 1)
        tail = max(tail, term) + math.log1p(math.exp(-abs(tail - term)))
    return min(1.0, 2 * math.exp(tail))


def position(left: int, right: int) -> tuple[Evidence, Evidence]:
    n = left + right
    if n == 0:
        return Evidence(None, 0), Evidence(None, 0)
    p = float(f"{binomial_p(left, n):.4g}")
    return Evidence(round(left / n, 4), n, p), Evidence(p, n)


def speed(median_ms: float | None, n: int, campaign_median: float | None) -> Evidence:
    if median_ms is None or not campaign_median:
        return Evidence(None, n)
    return Evidence(round(median_ms / campaign_median, 4), n)


def rate(count: int, finished: int) -> Evidence:
    return Evidence(round(count / finished, 4) if finished else None, finished)


def combined(evidence: dict[str, Evidence]) -> float:
    """The score of the module docstring, from the other measures."""
    weights, total = 1.0, PRIOR
    gold = evidence.get("gold_accuracy")
    if gold is not None and gold.value is not None and gold.n:
        w = GOLD_WEIGHT * gold.n / (gold.n + GOLD_HALF)
        weights, total = weights + w, total + w * gold.value
    peer = evidence.get("peer_agreement")
    if peer is not None and peer.value is not None and peer.n:
        w = PEER_WEIGHT * peer.n / (peer.n + PEER_HALF)
        weights, total = weights + w, total + w * peer.value
    score = total / weights
    left, p = evidence.get("left_share"), evidence.get("position_bias_p")
    if left and left.value is not None and p and p.value is not None and p.value < POSITION_P:
        score *= 1 - max(0.0, 2 * abs(left.value - 0.5) - 0.2) / 0.8
    fast = evidence.get("speed_ratio")
    if fast and fast.value is not None and fast.n >= 5 and fast.value < FAST_RATIO:
        score *= max(0.1, fast.value / FAST_RATIO)
    straight = evidence.get("straight_lining")
    if (
        straight
        and straight.value is not None
        and straight.n >= 10
        and straight.value > STRAIGHT_ABOVE
    ):
        score *= 1 - (straight.value - STRAIGHT_ABOVE) / (1 - STRAIGHT_ABOVE) * 0.5
    return round(max(0.0, min(1.0, score)), 4)
