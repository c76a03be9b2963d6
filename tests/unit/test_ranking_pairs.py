"""A ranking judgment read as weighted pairs for the leaderboard."""

from __future__ import annotations

import pytest

from prefhub.quality.leaderboard import ranking_pairs


def test_a_ranking_of_k_gives_its_pairs_each_weighing_two_over_k() -> None:
    pairs = list(ranking_pairs(["x", "y", "z", "w"], [["C"], ["A", "D"], ["B"]], False))
    outcomes = {(a, b): outcome for a, b, outcome, _ in pairs}
    assert outcomes == {
        ("z", "x"): "A",
        ("z", "w"): "A",
        ("z", "y"): "A",
        ("x", "w"): "tie",
        ("x", "y"): "A",
        ("w", "y"): "A",
    }
    assert {weight for *_, weight in pairs} == {0.5}
    # k - 1 comparisons in all; a ranking of two weighs as one pairwise judgment.
    assert sum(weight for *_, weight in pairs) == pytest.approx(3)
    assert [w for *_, w in ranking_pairs(["x", "y"], [["B"], ["A"]], False)] == [1.0]


def test_candidates_without_a_model_or_label_are_left_out_and_none_acceptable_is_both_bad() -> None:
    # B has no model, "Q" labels nothing shown: two placed models remain, one pair at weight 1.
    assert list(ranking_pairs(["x", None, "z"], [["B"], ["Q"], ["C"], ["A"]], False)) == [
        ("z", "x", "A", 1.0)
    ]
    assert list(ranking_pairs(["x", "y"], [], True)) == [("x", "y", "both_bad", 1.0)]
    assert list(ranking_pairs(["x", "y"], [], False)) == []
