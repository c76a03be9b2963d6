"""Active pair selection (``pair_selection: narrow_intervals``): which two of an item's
candidates a pairwise task shows, chosen to narrow the model leaderboard where it is in doubt.

For an item with more than two candidates from at least two models, each pair of candidates
from different models ``a``, ``b`` is scored by what one more comparison of their models should
tell about their order:

    gain(a, b) = exp(-z^2 / 2) * (sd - sd'),    z = |score a - score b| / sd

``sd`` is the standard error of the Bradley-Terry score difference of ``a`` and ``b`` given every
comparison so far (from the fit's Fisher information, ``n p (1 - p)`` per compared pair plus the
fit's prior, inverted once per look, so a far-apart pair that both were compared against
elsewhere counts as known), and ``sd'`` that error after one more comparison of the two (a
rank-one update). The first factor keeps spending on pairs whose order is still in doubt (close
strengths), the second on pairs few comparisons have pinned down; pairs already known to be far
apart gain almost nothing, however wide their own intervals (their rank does not depend on
them). A model not yet compared at all comes first. The best pair is shown (ties drawn at
random) in a random order; anything else (fewer than three candidates, a single model, no
pairwise question, more than ``MAX_MODELS`` models) falls back to the balanced choice.

Cheap per request: the counts come from the leaderboard's incremental tables
(``quality.counts``), and one Bradley-Terry fit and one inversion are kept per campaign in
process memory, refreshed after ``REFRESH_SECONDS`` or once this process has handed out
``REFRESH_SHARE`` as many pairs as were counted (quickly while a campaign starts); pairs handed
out in between update the kept errors as if they had been judged, so concurrent requests do not
all pile onto one pair. Judgments of every annotator count, simulated ones included. A restarted
process or a second replica only starts from a fresh look: nothing here is needed for
correctness.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.aggregation.bootstrap import games_to_counts
from prefhub.aggregation.rankings import bradley_terry
from prefhub.campaigns.spec import CampaignSpec
from prefhub.models import Candidate
from prefhub.quality import counts
from prefhub.quality.leaderboard import Tally, record

REFRESH_SECONDS = 5.0
REFRESH_SHARE = 0.1
REFRESH_MIN_PICKS = 20
MAX_CAMPAIGNS = 64
MAX_MODELS = 60  # the inversion is cubic in the models; more falls back to balanced
PRIOR = 1.0  # virtual drawn games per model, as ``bradley_terry``'s default

Matrix = list[list[float]]


@dataclass
class Evidence:
    """What one look at a campaign's pairwise judgments says about its models."""

    strengths: dict[str, float]
    index: dict[str, int]  # model -> row of ``covariance``
    covariance: Matrix  # of the scores, updated for the pairs handed out since the look
    counted: int  # comparisons seen at the look
    looked_at: float = field(default_factory=time.monotonic)
    handed_out: int = 0

    def stale(self, now: float) -> bool:
        return now - self.looked_at > REFRESH_SECONDS or self.handed_out >= max(
            REFRESH_MIN_PICKS, REFRESH_SHARE * self.counted
        )

    def gain(self, first: str, second: str) -> float:
        if first not in self.index or second not in self.index:
            return math.inf
        difference = self.strengths[first] - self.strengths[second]
        variance = self._variance(first, second)
        after = variance - _information(difference) * variance**2 / (
            1 + _information(difference) * variance
        )
        sd, sd_after = math.sqrt(variance), math.sqrt(max(after, 0.0))
        z = abs(difference) / sd
        return math.exp(-z * z / 2) * (sd - sd_after)

    def hand_out(self, first: str, second: str) -> None:
        """Count a comparison of the pair as if judged (a rank-one update of the covariance)."""
        self.handed_out += 1
        if first not in self.index or second not in self.index:
            return
        c = _information(self.strengths[first] - self.strengths[second])
        a, b = self.index[first], self.index[second]
        cov = self.covariance
        column = [row[a] - row[b] for row in cov]
        scale = c / (1 + c * (column[a] - column[b]))
        for i, row in enumerate(cov):
            for j in range(len(row)):
                row[j] -= scale * column[i] * column[j]

    def _variance(self, first: str, second: str) -> float:
        a, b = self.index[first], self.index[second]
        cov = self.covariance
        return max(cov[a][a] + cov[b][b] - 2 * cov[a][b], 1e-12)


_evidence: OrderedDict[tuple[int, str], Evidence] = OrderedDict()
_lock = threading.Lock()


def informative_pair(
    session: Session, campaign_id: int, spec: CampaignSpec, item_id: int, rng: random.Random
) -> list[int] | None:
    """The two candidate ids to show, in the order shown; None: use the balanced choice."""
    if spec.pair_selection != "narrow_intervals" or spec.candidates_per_task != 2:
        return None
    question = _pairwise_question(spec)
    if question is None:
        return None
    candidates = session.execute(
        select(Candidate.id, Candidate.model_name)
        .where(Candidate.item_id == item_id)
        .order_by(Candidate.position)
    ).all()
    choices = [
        (a, b)
        for a, b in itertools.combinations(candidates, 2)
        if a.model_name and b.model_name and a.model_name != b.model_name
    ]
    if len(candidates) <= 2 or not choices:
        return None
    evidence = look(session, campaign_id, question)
    if evidence is None:
        return None
    with _lock:
        gains = [evidence.gain(a.model_name, b.model_name) for a, b in choices]
        best = max(gains)
        first, second = rng.choice([c for c, g in zip(choices, gains, strict=True) if g == best])
        evidence.hand_out(first.model_name, second.model_name)
    order = [first.id, second.id]
    rng.shuffle(order)
    return order


def look(session: Session, campaign_id: int, question: str) -> Evidence | None:
    """The campaign's evidence, fresh enough (see the module doc); None with too many models."""
    key = (campaign_id, question)
    with _lock:
        kept = _evidence.get(key)
    if kept is not None and not kept.stale(time.monotonic()):
        return kept
    evidence = _fresh(session, campaign_id, question)
    if evidence is None:
        return None
    with _lock:
        _evidence[key] = evidence
        _evidence.move_to_end(key)
        while len(_evidence) > MAX_CAMPAIGNS:
            _evidence.popitem(last=False)
    return evidence


def _fresh(session: Session, campaign_id: int, question: str) -> Evidence | None:
    tally: Tally = {}
    for (_, _, shown_first, shown_second, choice), n in counts.pair_counts(
        session, campaign_id, question
    ).items():
        if shown_first is not None and shown_second is not None:
            record(tally, shown_first, shown_second, choice, n)
    games = {
        pair: (float(g.first_wins), float(g.second_wins), float(g.ties))
        for pair, g in tally.items()
        if g.decided
    }
    models = sorted({model for pair in games for model in pair})
    if len(models) > MAX_MODELS:
        return None
    strengths = bradley_terry(models, games_to_counts(games), prior=PRIOR) if models else {}
    index = {model: i for i, model in enumerate(models)}
    return Evidence(
        strengths=strengths,
        index=index,
        covariance=_covariance(index, strengths, {p: sum(g) for p, g in games.items()}),
        counted=int(sum(sum(g) for g in games.values())),
    )


def _information(difference: float) -> float:
    """Fisher information of one comparison of two models ``difference`` apart: p (1 - p)."""
    p = 1 / (1 + math.exp(-difference))
    return max(p * (1 - p), 1e-9)


def _covariance(
    index: dict[str, int], strengths: dict[str, float], compared: dict[tuple[str, str], float]
) -> Matrix:
    """The inverse of the fit's information matrix, made invertible by pinning the scores'
    mean (the ``1/m`` everywhere: it leaves every score difference's variance unchanged)."""
    m = len(index)
    info = [[1 / m] * m for _ in range(m)]

    def add(a: int, b: int, weight: float) -> None:
        info[a][a] += weight
        info[b][b] += weight
        info[a][b] -= weight
        info[b][a] -= weight

    for a, b in itertools.combinations(range(m), 2):
        add(a, b, PRIOR / (m - 1) * 0.25)  # the prior's virtual drawn games
    for (first, second), n in compared.items():
        add(index[first], index[second], n * _information(strengths[first] - strengths[second]))
    return _inverse(info)


def _inverse(matrix: Matrix) -> Matrix:
    """Gauss-Jordan with partial pivoting (a small symmetric positive definite matrix)."""
    m = len(matrix)
    rows = [row[:] + [1.0 if i == j else 0.0 for j in range(m)] for i, row in enumerate(matrix)]
    for col in range(m):
        pivot = max(range(col, m), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [x / head for x in rows[col]]
        for r in range(m):
            if r != col and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[col], strict=True)]
    return [row[m:] for row in rows]


def _pairwise_question(spec: CampaignSpec) -> str | None:
    return next((q.id for q in spec.questions if q.kind == "pairwise"), None)
