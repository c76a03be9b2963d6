"""Consensus of annotators' rankings (see prefhub.aggregation.rankings)."""

from __future__ import annotations

import math
import random

import pytest

from prefhub.aggregation import (
    bradley_terry,
    order_by_scores,
    pairwise_counts,
    ranked_pairs,
    ranks_from_tiers,
)

# 4 voters A>B>C, 3 voters B>C>A, 2 voters C>A>B. Checked by hand:
#   A over B: 4 + 2 = 6 against 3, margin 3
#   B over C: 4 + 3 = 7 against 2, margin 5
#   C over A: 3 + 2 = 5 against 4, margin 1  -> a majority cycle A > B > C > A
# Ranked pairs locks B>C (5), then A>B (3), then skips C>A (1), which would close the cycle.
CYCLE = [[["A"], ["B"], ["C"]]] * 4 + [[["B"], ["C"], ["A"]]] * 3 + [[["C"], ["A"], ["B"]]] * 2


def _random_rankings(rng: random.Random, items: list[int], count: int) -> list[list[list[int]]]:
    """Partial rankings with ties: each annotator sees a random subset, some tied."""
    rankings = []
    for _ in range(count):
        seen = rng.sample(items, rng.randint(1, len(items)))
        tiers: list[list[int]] = []
        for item in seen:
            if tiers and rng.random() < 0.3:
                tiers[-1].append(item)
            else:
                tiers.append([item])
        rankings.append(tiers)
    return rankings


def _shuffled(rng: random.Random, rankings: list[list[list[int]]]) -> list[list[list[int]]]:
    copy = [[rng.sample(tier, len(tier)) for tier in ranking] for ranking in rankings]
    rng.shuffle(copy)
    return copy


def _sample_bradley_terry(
    rng: random.Random, true: dict[int, float], outcomes: int
) -> list[list[list[int]]]:
    rankings = []
    for _ in range(outcomes):
        a, b = rng.sample(sorted(true), 2)
        a_wins = rng.random() < 1 / (1 + math.exp(true[b] - true[a]))
        rankings.append([[a], [b]] if a_wins else [[b], [a]])
    return rankings


# pairwise_counts


def test_a_strict_ranking_counts_one_win_for_each_better_item():
    counts = pairwise_counts([[[1], [2], [3]]])
    assert counts == {
        (1, 2): 1.0,
        (2, 1): 0.0,
        (1, 3): 1.0,
        (3, 1): 0.0,
        (2, 3): 1.0,
        (3, 2): 0.0,
    }


def test_a_tie_counts_half_a_win_each_way():
    counts = pairwise_counts([[[1, 2], [3]], [[1], [2]]])
    assert counts[1, 2] == 1.5
    assert counts[2, 1] == 0.5
    assert counts[1, 3] == counts[2, 3] == 1.0


def test_items_a_partial_ranking_leaves_out_are_not_compared():
    counts = pairwise_counts([[[1], [2]], [[3]]])
    assert set(counts) == {(1, 2), (2, 1)}


def test_an_item_placed_twice_in_one_ranking_is_rejected():
    with pytest.raises(ValueError, match="twice"):
        pairwise_counts([[[1], [2, 1]]])


# ranked_pairs


def test_unanimous_rankings_are_the_consensus():
    rankings = [[[3], [1], [2]]] * 3
    assert ranked_pairs([1, 2, 3], rankings) == [[3], [1], [2]]


def test_a_condorcet_cycle_is_broken_at_its_weakest_majority():
    assert ranked_pairs("ABC", CYCLE) == [["A"], ["B"], ["C"]]


def test_equal_margins_are_locked_in_winner_then_loser_order():
    # Each majority of a 3-cycle by one vote: pairs are taken by the winner's place in the
    # sorted items, then the loser's, and the last one taken is the one the cycle drops.
    assert ranked_pairs([1, 2, 3], [[[1], [2]], [[2], [3]], [[3], [1]]]) == [[1], [2], [3]]
    # 1>3 and 2>1 are locked before 3>2, which would close the cycle: not "the lowest id wins".
    assert ranked_pairs([1, 2, 3], [[[1], [3]], [[3], [2]], [[2], [1]]]) == [[2], [1], [3]]


def test_the_tennessee_capital_example_elects_nashville():
    # The textbook ranked-pairs example, with voter shares as counts of identical ballots.
    memphis, nashville, chattanooga, knoxville = "M", "N", "C", "K"
    rankings = (
        [[[memphis], [nashville], [chattanooga], [knoxville]]] * 42
        + [[[nashville], [chattanooga], [knoxville], [memphis]]] * 26
        + [[[chattanooga], [knoxville], [nashville], [memphis]]] * 15
        + [[[knoxville], [chattanooga], [nashville], [memphis]]] * 17
    )
    assert ranked_pairs("MNCK", rankings) == [[nashville], [chattanooga], [knoxville], [memphis]]


def test_items_everyone_tied_share_a_tier():
    rankings = [[[1, 2], [3]], [[2, 1], [3]]]
    assert ranked_pairs([1, 2, 3], rankings) == [[1, 2], [3]]


def test_equal_and_opposite_judgments_leave_items_unordered():
    assert ranked_pairs([1, 2], [[[1], [2]], [[2], [1]]]) == [[1, 2]]


def test_partial_rankings_chain_into_one_order():
    rankings = [[["a"], ["b"]], [["b"], ["c"]]]
    assert ranked_pairs("abc", rankings) == [["a"], ["b"], ["c"]]


def test_unordered_items_share_a_tier_by_depth_in_the_locked_graph():
    rankings = [[["a"], ["b"], ["c"]], [["d"], ["e"]]]
    assert ranked_pairs("abcde", rankings) == [["a", "d"], ["b", "e"], ["c"]]


def test_items_never_compared_come_last_together():
    rankings = [[[2], [1]], [[4]]]
    assert ranked_pairs([1, 2, 3, 4], rankings) == [[2], [1], [3, 4]]


def test_an_item_tied_with_the_winner_stands_with_it():
    rankings = [[["a"], ["b"]], [["a", "c"]]]
    assert ranked_pairs("abc", rankings) == [["a", "c"], ["b"]]


def test_equal_margins_are_broken_by_item_order_not_input_order():
    # A perfect cycle, every margin 1: locks 1>2, then 2>3, then skips 3>1.
    rankings = [[[1], [2]], [[2], [3]], [[3], [1]]]
    assert ranked_pairs([3, 2, 1], rankings) == [[1], [2], [3]]
    assert ranked_pairs([1, 2, 3], list(reversed(rankings))) == [[1], [2], [3]]


def test_ranked_pairs_accepts_counts_as_well_as_rankings():
    assert ranked_pairs("ABC", pairwise_counts(CYCLE)) == ranked_pairs("ABC", CYCLE)


def test_comparisons_with_items_outside_the_set_are_ignored():
    rankings = [[[9], [1], [2]], [[2], [9]]]
    assert ranked_pairs([1, 2], rankings) == [[1], [2]]


def test_ranked_pairs_of_nothing_is_empty():
    assert ranked_pairs([], []) == []
    assert ranked_pairs([], [[[1], [2]]]) == []


def test_a_single_item_is_its_own_consensus():
    assert ranked_pairs([7], []) == [[7]]
    assert ranked_pairs([7], [[[7]]]) == [[7]]


@pytest.mark.parametrize("aggregate", [ranked_pairs, bradley_terry])
@pytest.mark.parametrize("seed", range(20))
def test_consensus_does_not_depend_on_input_order(aggregate, seed):
    rng = random.Random(seed)
    items = list(range(6))
    rankings = _random_rankings(rng, items, 7)
    expected = aggregate(items, rankings)
    for _ in range(5):
        assert aggregate(rng.sample(items, len(items)), _shuffled(rng, rankings)) == expected


@pytest.mark.parametrize("seed", range(20))
def test_ranked_pairs_places_every_item_exactly_once(seed):
    rng = random.Random(seed)
    items = list(range(rng.randint(1, 8)))
    tiers = ranked_pairs(items, _random_rankings(rng, items, rng.randint(0, 6)))
    placed = [item for tier in tiers for item in tier]
    assert sorted(placed) == items
    assert all(tiers)


@pytest.mark.parametrize("seed", range(20))
def test_a_condorcet_winner_comes_first_alone(seed):
    rng = random.Random(seed)
    items = list(range(5))
    rankings = [[[0], *[[i] for i in rng.sample(items[1:], 4)]] for _ in range(3)]
    rankings += _random_rankings(rng, items[1:], 4)
    assert ranked_pairs(items, rankings)[0] == [0]


# bradley_terry


@pytest.mark.parametrize("seed", range(5))
def test_bradley_terry_recovers_the_order_of_true_strengths(seed):
    true = {0: 1.5, 1: 0.5, 2: -0.5, 3: -1.5}
    rankings = _sample_bradley_terry(random.Random(seed), true, 200)
    scores = bradley_terry(true, rankings)
    assert order_by_scores(scores) == [[0], [1], [2], [3]]
    assert all(abs(scores[item] - true[item]) < 0.6 for item in true)


def test_bradley_terry_matches_the_win_ratio_of_a_well_observed_pair():
    # For two items the maximum-likelihood odds are the win ratio: 30 to 10.
    rankings = [[["a"], ["b"]]] * 30 + [[["b"], ["a"]]] * 10
    scores = bradley_terry("ab", rankings, prior=1e-6)
    assert scores["a"] - scores["b"] == pytest.approx(math.log(3), abs=1e-4)


def test_an_item_that_always_wins_gets_a_finite_top_score():
    rankings = [[[1], [2], [3]]] * 5 + [[[1], [3]]]
    scores = bradley_terry([1, 2, 3], rankings)
    assert all(math.isfinite(score) for score in scores.values())
    assert scores[1] > scores[2] > scores[3]


def test_an_item_compared_once_is_pulled_towards_the_average():
    once = bradley_terry("ab", [[["a"], ["b"]]])
    often = bradley_terry("ab", [[["a"], ["b"]]] * 10)
    assert 0 < once["a"] - once["b"] < often["a"] - often["b"]


def test_bradley_terry_scores_sum_to_zero():
    scores = bradley_terry("ABCD", [*CYCLE, [["D"], ["A"]]])
    assert math.fsum(scores.values()) == pytest.approx(0.0, abs=1e-12)


def test_tied_items_get_equal_scores():
    scores = bradley_terry("abc", [[["a", "b"], ["c"]]] * 3)
    assert scores["a"] == pytest.approx(scores["b"], abs=1e-12)
    assert scores["a"] > scores["c"]


def test_bradley_terry_accepts_counts_as_well_as_rankings():
    assert bradley_terry("ABC", pairwise_counts(CYCLE)) == bradley_terry("ABC", CYCLE)


def test_bradley_terry_of_nothing_and_of_one_item():
    assert bradley_terry([], []) == {}
    assert bradley_terry([7], [[[7]]]) == {7: 0.0}


def test_bradley_terry_refuses_a_non_positive_prior():
    with pytest.raises(ValueError, match="prior"):
        bradley_terry([1, 2], [[[1], [2]]], prior=0)


# order_by_scores and ranks_from_tiers


def test_scores_within_tolerance_share_a_tier_without_chaining():
    scores = {"a": 1.0, "b": 1.0 - 6e-10, "c": 1.0 - 1.2e-9, "d": -2.0}
    assert order_by_scores(scores) == [["a", "b"], ["c"], ["d"]]


def test_equal_scores_are_listed_in_item_order():
    assert order_by_scores({3: 0.0, 1: 0.0, 2: 1.0}) == [[2], [1, 3]]
    assert order_by_scores({}) == []


def test_ranks_are_dense_and_shared_by_tied_items():
    assert ranks_from_tiers([["a", "b"], [], ["c"], ["d"]]) == {"a": 0, "b": 0, "c": 1, "d": 2}
    assert ranks_from_tiers([]) == {}


def test_an_item_placed_in_two_tiers_has_no_rank():
    with pytest.raises(ValueError, match="twice"):
        ranks_from_tiers([[1], [2, 1]])
