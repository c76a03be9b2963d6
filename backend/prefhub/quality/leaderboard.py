"""Model leaderboards and where annotator groups disagree, from count tables: no database.

Outcomes of a pairwise judgment between the models of the two shown candidates:

* ``A`` / ``B``: a win for that candidate's model;
* ``tie``: half a win each way (as everywhere in ``prefhub.aggregation``), so a tie pulls two
  models' strengths together instead of being ignored;
* ``both_bad``: left out of strengths and win rates (it says both answers are unacceptable, not
  which is better), but counted in the win-rate matrix so a researcher sees how often it happens.

A ranking of k candidates (``ranking`` question) is read as its k(k-1)/2 pairs: the better
placed candidate's model wins, candidates sharing a place tie, and "none acceptable" with no
order makes every pair ``both_bad``. Each of those pairs weighs ``2 / k``, so a ranking weighs
k - 1 comparisons in all: the number of independent choices it makes (best of k, then best of
the k - 1 left, ...; Plackett-Luce), and one pairwise judgment when k = 2. At full weight a
ranking of 5 would count as 10 judgments, and its pairs, which share one annotator's one look
at the item, would narrow the bootstrap intervals as if they were independent.

Scores are Bradley-Terry log-strengths (mean 0; a difference is the log-odds of winning), shown
also on the Elo-like scale Chatbot Arena uses (``rating = 1000 + 400 * score / ln 10``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from prefhub.aggregation.bootstrap import bootstrap_bradley_terry, games_to_counts
from prefhub.aggregation.rankings import bradley_terry
from prefhub.campaigns.answers import LABELS

OUTCOMES = ("A", "B", "tie", "both_bad")
ELO_SCALE = 400 / math.log(10)


def elo(score: float) -> float:
    """A Bradley-Terry score on the Elo-like scale (a 400-point gap is 10:1 odds)."""
    return 1000 + ELO_SCALE * score


@dataclass
class PairGames:
    """How one model pair (``first`` < ``second`` by name) came out."""

    first_wins: float = 0
    second_wins: float = 0
    ties: float = 0
    both_bad: float = 0

    def add(self, other: PairGames) -> None:
        self.first_wins += other.first_wins
        self.second_wins += other.second_wins
        self.ties += other.ties
        self.both_bad += other.both_bad

    @property
    def decided(self) -> float:
        """Comparisons that count for strengths: wins and ties, not both-bad."""
        return self.first_wins + self.second_wins + self.ties


Tally = dict[tuple[str, str], PairGames]
"""Per model pair, ``(first, second)`` with ``first < second``."""


def record(tally: Tally, shown_first: str, shown_second: str, outcome: str, count: float) -> None:
    """Add ``count`` judgments (weighted) that answered ``outcome`` when ``shown_first`` was
    candidate A."""
    if shown_first == shown_second or outcome not in OUTCOMES:
        return  # the same model twice says nothing about models; unknown answers are skipped
    flipped = shown_second < shown_first
    pair = (shown_second, shown_first) if flipped else (shown_first, shown_second)
    games = tally.setdefault(pair, PairGames())
    if outcome == "tie":
        games.ties += count
    elif outcome == "both_bad":
        games.both_bad += count
    elif (outcome == "A") != flipped:
        games.first_wins += count
    else:
        games.second_wins += count


def ranking_pairs(
    models: Sequence[str | None], ranking: Sequence[Sequence[str]], none_acceptable: bool
) -> Iterator[tuple[str, str, str, float]]:
    """``(model, other model, outcome, weight)`` of each pair one ranking judgment gives, the
    outcome from the first model's side as ``record`` reads it. ``models``: the model of the
    candidate shown under each label (A, B, ...); a candidate without one is left out."""
    placed: list[tuple[int, str]] = []
    for place, tier in enumerate(ranking):
        for label in tier:
            position = LABELS.find(label) if len(label) == 1 else -1
            model = models[position] if 0 <= position < len(models) else None
            if model is not None:
                placed.append((place, model))
    if not ranking and none_acceptable:
        placed = [(0, m) for m in models if m is not None]
    if len(placed) < 2:
        return
    weight = 2 / len(placed)
    for i, (place, model) in enumerate(placed):
        for other_place, other in placed[i + 1 :]:
            if not ranking:
                outcome = "both_bad"
            elif place == other_place:
                outcome = "tie"
            else:
                outcome = "A" if place < other_place else "B"
            yield model, other, outcome, weight


def merge(tallies: Iterable[Tally]) -> Tally:
    merged: Tally = {}
    for tally in tallies:
        for pair, games in tally.items():
            merged.setdefault(pair, PairGames()).add(games)
    return merged


@dataclass
class Standing:
    model: str
    rank: int
    score: float
    low: float
    high: float
    judgments: float
    win_rate: float | None

    @property
    def rating(self) -> float:
        return elo(self.score)


@dataclass
class Cell:
    """Row model against column model: ``win_rate`` counts ties as half a win."""

    model: str
    opponent: str
    wins: float
    losses: float
    ties: float
    both_bad: float
    win_rate: float | None


@dataclass
class Leaderboard:
    standings: list[Standing] = field(default_factory=list)
    matrix: list[Cell] = field(default_factory=list)
    judgments: float = 0


def leaderboard(
    tally: Tally,
    *,
    samples: int = 100,
    confidence: float = 0.95,
    seed: int = 0,
    reuse: Leaderboard | None = None,
) -> Leaderboard:
    """Bradley-Terry standings with percentile-bootstrap intervals, and the win-rate matrix.

    Ranks follow Chatbot Arena: a model's rank is 1 + the number of models whose interval lies
    wholly above its own, so models whose intervals overlap share a rank.

    ``reuse``: a board of nearly the same counts whose interval widths (below and above each
    score) are kept around the new scores instead of bootstrapping again, when it has every
    model. Scores, win rates and the matrix are always the new counts'.
    """
    models = sorted({model for pair in tally for model in pair})
    games = {
        pair: (float(g.first_wins), float(g.second_wins), float(g.ties))
        for pair, g in tally.items()
        if g.decided
    }
    judgments = sum(g.decided + g.both_bad for g in tally.values())
    if len(models) < 2:
        return Leaderboard(judgments=judgments)
    scores = bradley_terry(models, games_to_counts(games))
    widths = {
        s.model: (s.score - s.low, s.high - s.score) for s in (reuse or Leaderboard()).standings
    }
    if games and set(models) <= set(widths):
        intervals = {m: (scores[m] - widths[m][0], scores[m] + widths[m][1]) for m in models}
    elif games:
        intervals = bootstrap_bradley_terry(
            models, games, samples=samples, confidence=confidence, seed=seed, fit=scores
        )
    else:
        intervals = {m: (0.0, 0.0) for m in models}
    played = dict.fromkeys(models, 0.0)
    won = dict.fromkeys(models, 0.0)
    for (a, b), g in tally.items():
        played[a] += g.decided
        played[b] += g.decided
        won[a] += g.first_wins + g.ties / 2
        won[b] += g.second_wins + g.ties / 2
    standings = [
        Standing(
            model=m,
            rank=1 + sum(intervals[o][0] > intervals[m][1] for o in models),
            score=scores[m],
            low=min(intervals[m][0], scores[m]),
            high=max(intervals[m][1], scores[m]),
            judgments=played[m],
            win_rate=won[m] / played[m] if played[m] else None,
        )
        for m in models
    ]
    standings.sort(key=lambda s: (-s.score, s.model))
    return Leaderboard(standings=standings, matrix=win_matrix(tally), judgments=judgments)


def win_matrix(tally: Tally) -> list[Cell]:
    """Both directions of every pair compared at least once, row model first."""
    cells = []
    for (a, b), g in sorted(tally.items()):
        for model, opponent, wins, losses in (
            (a, b, g.first_wins, g.second_wins),
            (b, a, g.second_wins, g.first_wins),
        ):
            decided = wins + losses + g.ties
            cells.append(
                Cell(
                    model=model,
                    opponent=opponent,
                    wins=wins,
                    losses=losses,
                    ties=g.ties,
                    both_bad=g.both_bad,
                    win_rate=(wins + g.ties / 2) / decided if decided else None,
                )
            )
    return cells


# --- where groups disagree ---------------------------------------------------------------


def smoothed_rate(games: PairGames) -> float:
    """How often ``first`` beat ``second`` (ties half), with one virtual win each way
    (Laplace): a group that judged a pair once does not count as certain."""
    return (games.first_wins + games.ties / 2 + 1) / (games.decided + 2)


@dataclass
class GroupView:
    group: str
    judgments: float
    first_win_rate: float  # smoothed


@dataclass
class Disagreement:
    """One model pair (and, for items, one item) as each group judged it."""

    first: str
    second: str
    spread: float  # highest minus lowest group's smoothed win rate of ``first``
    judgments: float
    groups: list[GroupView]
    item_id: int | None = None


def disagreement(
    by_group: Mapping[str, PairGames], first: str, second: str, item_id: int | None = None
) -> Disagreement | None:
    """How far apart the groups that judged the pair are; None unless two groups did."""
    views = [
        GroupView(group=group, judgments=g.decided, first_win_rate=smoothed_rate(g))
        for group, g in sorted(by_group.items())
        if g.decided
    ]
    if len(views) < 2:
        return None
    rates = [v.first_win_rate for v in views]
    return Disagreement(
        first=first,
        second=second,
        spread=max(rates) - min(rates),
        judgments=sum(v.judgments for v in views),
        groups=views,
        item_id=item_id,
    )


def ranked(disagreements: Iterable[Disagreement | None], limit: int) -> list[Disagreement]:
    """Widest spread first; more evidence breaks ties, then the names (reproducible)."""
    found = [d for d in disagreements if d is not None]
    found.sort(key=lambda d: (-d.spread, -d.judgments, d.first, d.second, d.item_id or 0))
    return found[:limit]
