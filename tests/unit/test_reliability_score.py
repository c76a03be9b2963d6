"""The reliability measures' arithmetic: the binomial test and the combined score."""

from __future__ import annotations

import math

import pytest

from prefhub.quality.reliability_measures import Evidence, binomial_p, combined


def _exact(k: int, n: int) -> float:
    low = min(k, n - k)
    if low * 2 == n:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(low + 1)) / 2**n)


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (9, 9), (3, 10), (20, 40), (40, 40), (480, 1000), (2400, 5000)]
)
def test_binomial_p_is_the_exact_two_sided_test(k: int, n: int) -> None:
    assert binomial_p(k, n) == pytest.approx(_exact(k, n), rel=1e-9, abs=1e-300)


def test_the_score_weighs_gold_most_and_penalises_an_always_left_clicker() -> None:
    good_gold = {"gold_accuracy": Evidence(1.0, 20), "peer_agreement": Evidence(0.2, 40)}
    good_peer = {"gold_accuracy": Evidence(0.2, 20), "peer_agreement": Evidence(1.0, 40)}
    assert combined(good_gold) > combined(good_peer)
    assert combined({}) == 0.8  # no evidence: the prior
    left = {
        "peer_agreement": Evidence(0.9, 40),
        "left_share": Evidence(1.0, 40, 1e-12),
        "position_bias_p": Evidence(1e-12, 40),
    }
    assert combined(left) == 0.0
    slightly_left = {
        **left,
        "left_share": Evidence(0.6, 40, 0.3),
        "position_bias_p": Evidence(0.3, 40),
    }
    assert combined(slightly_left) == combined({"peer_agreement": Evidence(0.9, 40)})
    fast = {"peer_agreement": Evidence(0.9, 40), "speed_ratio": Evidence(0.1, 40)}
    assert combined(fast) == pytest.approx(
        combined({"peer_agreement": Evidence(0.9, 40)}) * 0.2, abs=1e-3
    )
