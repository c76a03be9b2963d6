"""Bradley-Terry leaderboards from count tables: intervals that cover the truth, and how ties
and "both bad" count."""

from __future__ import annotations

import math
import random

import pytest

from prefhub.aggregation.bootstrap import bootstrap_bradley_terry, games_to_counts, poisson
from prefhub.aggregation.rankings import bradley_terry
from prefhub.quality.leaderboard import PairGames, Tally, disagreement, leaderboard, record


def _simulated_tally(seed: int, models: int = 6, comparisons: int = 3000) -> tuple[Tally, dict]:
    """Comparisons of random pairs decided by a Bradley-Terry model with planted strengths."""
    rng = random.Random(seed)
    names = [f"model-{i}" for i in range(models)]
    raw = {name: rng.gauss(0, 0.8) for name in names}
    mean = sum(raw.values()) / models
    truth = {name: value - mean for name, value in raw.items()}
    tally: Tally = {}
    for _ in range(comparisons):
        a, b = rng.sample(names, 2)
        a_wins = rng.random() < 1 / (1 + math.exp(truth[b] - truth[a]))
        record(tally, a, b, "A" if a_wins else "B", 1)
    return tally, truth


def test_bootstrap_intervals_cover_the_true_strengths_over_seeds() -> None:
    covered = total = 0
    for seed in range(20):
        tally, truth = _simulated_tally(seed)
        board = leaderboard(tally, samples=100, seed=seed)
        for standing in board.standings:
            total += 1
            covered += standing.low <= truth[standing.model] <= standing.high
    assert total == 120
    assert covered / total >= 0.9, covered / total


def test_intervals_narrow_as_judgments_grow() -> None:
    def mean_width(comparisons: int) -> float:
        tally, _ = _simulated_tally(3, comparisons=comparisons)
        board = leaderboard(tally, samples=60)
        return sum(s.high - s.low for s in board.standings) / len(board.standings)

    assert mean_width(4000) < mean_width(400) / 2


def test_ranks_share_a_place_while_intervals_overlap() -> None:
    tally: Tally = {}
    record(tally, "strong", "weak", "A", 300)
    record(tally, "strong", "weak", "B", 30)
    record(tally, "twin", "weak", "A", 300)
    record(tally, "twin", "weak", "B", 30)
    record(tally, "strong", "twin", "A", 50)
    record(tally, "strong", "twin", "B", 50)
    board = leaderboard(tally)
    ranks = {s.model: s.rank for s in board.standings}
    assert ranks["strong"] == ranks["twin"] == 1
    assert ranks["weak"] == 3


def test_a_tie_is_half_a_win_each_way_and_both_bad_is_left_out() -> None:
    tally: Tally = {}
    record(tally, "b-model", "a-model", "A", 3)  # b-model shown first: three wins for b-model
    record(tally, "a-model", "b-model", "tie", 2)
    record(tally, "a-model", "b-model", "both_bad", 5)
    record(tally, "a-model", "a-model", "A", 9)  # the same model twice: no evidence
    assert tally == {("a-model", "b-model"): PairGames(0, 3, 2, 5)}
    board = leaderboard(tally)
    assert board.judgments == 10
    standings = {s.model: s for s in board.standings}
    assert standings["b-model"].win_rate == pytest.approx(4 / 5)
    assert standings["a-model"].judgments == 5
    cell = next(c for c in board.matrix if c.model == "a-model")
    assert (cell.wins, cell.losses, cell.ties, cell.both_bad) == (0, 3, 2, 5)
    # Only-both-bad pairs leave strengths at the middle.
    only_bad: Tally = {}
    record(only_bad, "x", "y", "both_bad", 7)
    assert [s.score for s in leaderboard(only_bad).standings] == [0.0, 0.0]


def test_the_same_counts_give_the_same_intervals() -> None:
    tally, _ = _simulated_tally(1, comparisons=500)
    games = {
        p: (float(g.first_wins), float(g.second_wins), float(g.ties)) for p, g in tally.items()
    }
    items = sorted({m for pair in tally for m in pair})
    first = bootstrap_bradley_terry(items, games, samples=30, seed=4)
    assert first == bootstrap_bradley_terry(items, games, samples=30, seed=4)
    fit = bradley_terry(items, games_to_counts(games))
    assert all(low <= fit[m] <= high for m, (low, high) in first.items())


def test_poisson_draws_have_the_mean_they_are_asked_for() -> None:
    rng = random.Random(0)
    for mean in (0.5, 4.0, 80.0):
        draws = [poisson(rng, mean) for _ in range(20_000)]
        assert sum(draws) / len(draws) == pytest.approx(mean, rel=0.05)
        assert min(draws) >= 0


def test_disagreement_needs_two_groups_and_measures_their_spread() -> None:
    agree = {"x": PairGames(8, 0), "y": PairGames(8, 0)}
    split = {"x": PairGames(8, 0), "y": PairGames(0, 8)}
    assert disagreement({"x": PairGames(8, 0)}, "a", "b") is None
    assert disagreement(agree, "a", "b").spread == 0  # type: ignore[union-attr]
    found = disagreement(split, "a", "b")
    assert found is not None and found.spread == pytest.approx(9 / 10 - 1 / 10)


def test_a_reused_board_keeps_its_interval_widths_around_the_new_scores() -> None:
    tally, _ = _simulated_tally(2, comparisons=800)
    first = leaderboard(tally, samples=40)
    record(tally, "model-0", "model-1", "A", 40)
    again = leaderboard(tally, samples=40, reuse=first)
    before = {s.model: s for s in first.standings}
    for s in again.standings:
        old = before[s.model]
        assert s.high - s.score == pytest.approx(old.high - old.score)
        assert s.score - s.low == pytest.approx(old.score - old.low)
    assert again.judgments == first.judgments + 40
    moved = {s.model: s.score - before[s.model].score for s in again.standings}
    assert moved["model-0"] > 0 > moved["model-1"]
