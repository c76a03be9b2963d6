"""Annotator competence from their answers alone: MACE, fitted per viewpoint.

MACE (Hovy et al. 2013, "Learning Whom to Trust with MACE") explains each answer as either
the unit's latent true label (with the annotator's competence ``theta``) or a draw from the
annotator's own spamming distribution ``xi``:
``P(label l | truth t) = theta * [l == t] + (1 - theta) * xi(l)``. EM alternates the truth
posteriors of the units and each annotator's ``theta`` and ``xi``.

Two changes make it fit a pluralistic crowd:

* **Leave-one-out truth.** An annotator's answer is weighed against the truth the *other*
  annotators of the unit imply (their own factor is divided out of the posterior), so a
  unit nobody else in the viewpoint judged says nothing about them: it is not counted in
  their evidence, and a lone annotator cannot agree with themselves.
* **Viewpoints.** One latent truth per unit assumes one right answer. People who prefer
  different things are not noise, so annotators are split into viewpoints, each with its own
  truths: starting from the known groups (or everyone), the annotators who disagree with
  their viewpoint's truth *systematically* (each clearly below what their own answer
  frequencies give by chance, and together far below: a pooled binomial z under
  ``SPLIT_Z``) become a viewpoint of their own, and everything is fitted again. A random
  clicker agrees at chance level with every viewpoint, so their competence stays near 0
  wherever they are. Each annotator is then scored against the viewpoint whose truth they
  agree with best, with thin evidence counted as doubt (``_trusted``).

Where the answers alone made the viewpoints, each annotator then moves to the viewpoint they
agree with best and everything is fitted again, a few rounds. Peer agreement needs shared
items: when each annotator shares only a handful with others of their viewpoint (K=3 and a
few dozen tasks each), its ``n`` stays small and the measure is noisy for minority members
and random clickers alike; gold accuracy then has to carry the judgement (the score weighs
it most, and rules wait for ``min_evidence``).

Vectorised with numpy: a fit is a few array passes over the answers per EM iteration, so a
few hundred thousand answers take about a second (pure Python took seconds for 15,000).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# (unit, annotator, label)
Answer = tuple[Hashable, int, Hashable]
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

ITERATIONS = 12
SPLIT_Z = -3.0
MIN_VIEWPOINT = 2  # annotators a split-off viewpoint needs
MIN_DISSENT_EVIDENCE = 3  # units with others' evidence before an annotator counts as dissenting
DISSENT_MARGIN = 0.15  # agreement this far below chance, at least, to count as dissenting
CHOICE_EVIDENCE = 5.0  # pseudo-units of doubt when choosing an annotator's viewpoint
MAX_VIEWPOINTS = 4
REASSIGN_ROUNDS = 2
SMOOTHING = 0.5  # pseudo-counts on xi's labels and on theta's two outcomes


@dataclass(frozen=True)
class Competence:
    theta: float  # 0..1: how often they give the viewpoint's true label knowingly
    agreement: float  # mean leave-one-out probability that their answer is the truth
    chance: float  # the agreement their own label frequencies would reach by chance
    n: int  # units where others of the viewpoint gave evidence
    viewpoint: int  # index of the viewpoint they were scored in (-1: none)


NO_EVIDENCE = Competence(0.0, 0.0, 0.0, 0, -1)


@dataclass
class _Data:
    """The answers as arrays: unit, annotator and label index of each."""

    unit: Ints
    annotator: Ints
    label: Ints
    units: int
    annotators: list[int]  # annotator index -> id
    labels: int


@dataclass
class _Fit:
    log_post: Floats  # (units, labels): prior plus every member's log factor
    answered: Ints  # (units,): members' answers to each unit


def _encode(answers: list[Answer]) -> _Data:
    units: dict[Hashable, int] = {}
    annotators: dict[int, int] = {}
    labels: dict[Hashable, int] = {}
    rows = [
        (
            units.setdefault(u, len(units)),
            annotators.setdefault(a, len(annotators)),
            labels.setdefault(lab, len(labels)),
        )
        for u, a, lab in answers
    ]
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return _Data(table[:, 0], table[:, 1], table[:, 2], len(units), list(annotators), len(labels))


def _log_factors(data: _Data, mask: NDArray[np.bool_], theta: Floats, xi: Floats) -> Floats:
    """(answers, labels): log P(their label | truth t) for each masked answer, 0 elsewhere."""
    t = theta[data.annotator][:, None]
    x = xi[data.annotator, data.label][:, None]
    same = np.arange(data.labels)[None, :] == data.label[:, None]
    factors = np.log(np.maximum((1 - t) * x + t * same, 1e-12))
    factors[~mask] = 0.0
    return np.asarray(factors, dtype=np.float64)


def _fit(data: _Data, members: NDArray[np.bool_]) -> tuple[_Fit, Floats, Floats]:
    """MACE over the answers of the annotators ``members`` marks (by index); returns the fit
    and the members' theta and xi."""
    n_annotators = len(data.annotators)
    # Only the members' answers take part: the others' factors would be 1 (log 0) anyway.
    keep = members[data.annotator]
    data = _Data(
        data.unit[keep],
        data.annotator[keep],
        data.label[keep],
        data.units,
        data.annotators,
        data.labels,
    )
    mask = np.ones(len(data.label), dtype=bool)
    answered = np.bincount(data.unit, minlength=data.units).astype(np.int64)
    theta = np.full(n_annotators, 0.8)
    xi = _frequencies(data, mask)
    log_post = np.zeros((data.units, data.labels))
    for _ in range(ITERATIONS):
        factors = _log_factors(data, mask, theta, xi)
        log_post = _sum_by_unit(data, factors)
        post, valid = _leave_one_out(data, log_post, factors, answered, mask)
        p_true = post[np.arange(len(data.label)), data.label]
        t = theta[data.annotator]
        x = xi[data.annotator, data.label]
        seen = t * p_true + (1 - t) * x
        knew = np.where(valid & (seen > 0), p_true * t / np.maximum(seen, 1e-12), 0.0)
        total = np.bincount(data.annotator, weights=valid.astype(float), minlength=n_annotators)
        known = np.bincount(data.annotator, weights=knew, minlength=n_annotators)
        theta = (known + SMOOTHING) / (total + 2 * SMOOTHING)
        spam = SMOOTHING + _by_annotator_label(data, np.where(valid, 1 - knew, 0.0))
        xi = spam / spam.sum(axis=1, keepdims=True)
    factors = _log_factors(data, mask, theta, xi)
    return _Fit(_sum_by_unit(data, factors), answered), theta, xi


def _sum_by_unit(data: _Data, factors: Floats) -> Floats:
    prior = -np.log(max(data.labels, 1))
    return np.stack(
        [
            prior + np.bincount(data.unit, weights=factors[:, t], minlength=data.units)
            for t in range(data.labels)
        ],
        axis=1,
    )


def _by_annotator_label(data: _Data, weights: Floats) -> Floats:
    """(annotators, labels): ``weights`` summed by each answer's annotator and label."""
    cells = data.annotator * data.labels + data.label
    sums = np.bincount(cells, weights=weights, minlength=len(data.annotators) * data.labels)
    return np.asarray(sums.reshape(len(data.annotators), data.labels), dtype=np.float64)


def _leave_one_out(
    data: _Data, log_post: Floats, factors: Floats, answered: Ints, mask: NDArray[np.bool_]
) -> tuple[Floats, NDArray[np.bool_]]:
    """Each answer's unit's truth posterior without that answer (softmax over labels), and
    whether anyone else in the fit answered the unit."""
    rest = log_post[data.unit] - factors
    valid = answered[data.unit] - mask.astype(np.int64) > 0
    rest -= rest.max(axis=1, keepdims=True)
    weights = np.exp(rest)
    return weights / weights.sum(axis=1, keepdims=True), valid


def _frequencies(data: _Data, mask: NDArray[np.bool_] | None = None) -> Floats:
    weights = np.ones(len(data.label)) if mask is None else mask.astype(float)
    counts = SMOOTHING + _by_annotator_label(data, weights)
    return np.asarray(counts / counts.sum(axis=1, keepdims=True), dtype=np.float64)


def _competences(
    data: _Data, fit: _Fit, members: NDArray[np.bool_], theta: Floats, xi: Floats, viewpoint: int
) -> list[Competence]:
    """Every annotator's competence against one viewpoint's truth, leaving each out: MACE's
    theta for them with the truth posteriors held fixed."""
    n_annotators = len(data.annotators)
    mask = members[data.annotator]
    factors = _log_factors(data, mask, theta, xi)
    post, valid = _leave_one_out(data, fit.log_post, factors, fit.answered, mask)
    rows = np.arange(len(data.label))
    p_true = post[rows, data.label]
    own = _frequencies(data)
    by_chance = (post * own[data.annotator]).sum(axis=1)
    x = own[data.annotator, data.label]
    n = np.bincount(data.annotator, weights=valid.astype(float), minlength=n_annotators)
    agree = np.bincount(
        data.annotator, weights=np.where(valid, p_true, 0.0), minlength=n_annotators
    )
    chance = np.bincount(
        data.annotator, weights=np.where(valid, by_chance, 0.0), minlength=n_annotators
    )
    estimate = np.full(n_annotators, 0.5)
    for _ in range(ITERATIONS):
        t = estimate[data.annotator]
        seen = t * p_true + (1 - t) * x
        knew = np.where(valid & (seen > 0), p_true * t / np.maximum(seen, 1e-12), 0.0)
        known = np.bincount(data.annotator, weights=knew, minlength=n_annotators)
        estimate = (known + SMOOTHING) / (n + 2 * SMOOTHING)
    return [
        Competence(
            theta=round(float(estimate[i]), 4),
            agreement=float(agree[i] / n[i]),
            chance=float(chance[i] / n[i]),
            n=int(n[i]),
            viewpoint=viewpoint,
        )
        if n[i] > 0
        else NO_EVIDENCE
        for i in range(n_annotators)
    ]


def _dissenters(group: set[int], found: list[Competence]) -> set[int]:
    """The members who, together, disagree with the group's truth systematically: each agrees
    clearly less than chance would have them (``DISSENT_MARGIN``), and their pooled binomial z
    is below ``SPLIT_Z``. Pooling lets a minority whose members each judged only a few shared
    items stand out as a whole; random clickers among them do no harm (they agree with no
    viewpoint, so they score low wherever they end up)."""
    below = {
        a
        for a in group
        if found[a].n >= MIN_DISSENT_EVIDENCE
        and 0 < found[a].chance < 1
        and found[a].agreement < found[a].chance - DISSENT_MARGIN
    }
    if len(below) < MIN_VIEWPOINT or len(group) <= len(below):
        return set()
    gap = sum(found[a].n * (found[a].agreement - found[a].chance) for a in below)
    spread = sum(found[a].n * found[a].chance * (1 - found[a].chance) for a in below)
    return below if gap / np.sqrt(spread) < SPLIT_Z else set()


def _best_viewpoint(results: list[list[Competence]], annotator: int, home: int) -> int:
    """The viewpoint an annotator agrees with best (their current one when level)."""
    return max(range(len(results)), key=lambda v: (_trusted(results[v][annotator]), v == home))


def _trusted(c: Competence) -> float:
    """Competence shrunk towards 0 by thin evidence, to choose an annotator's viewpoint: a
    viewpoint where they agreed on one item by chance must not beat one with many items."""
    return c.theta * c.n / (c.n + CHOICE_EVIDENCE)


def scored(answers: list[Answer], start: Iterable[set[int]]) -> dict[int, Competence]:
    """Each annotator's competence in the viewpoint whose truth they agree with best; the
    viewpoints start as ``start`` (annotator ids: known groups, or everyone) and split where
    a set of annotators disagrees with theirs systematically."""
    if not answers:
        return {}
    data = _encode(answers)
    index = {a: i for i, a in enumerate(data.annotators)}
    start_sets = [{index[a] for a in g if a in index} for g in start]
    groups = [g for g in start_sets if g]

    def members_of(group: set[int]) -> NDArray[np.bool_]:
        found = np.zeros(len(data.annotators), dtype=bool)
        found[sorted(group)] = True
        return found

    def evaluated(group: set[int], viewpoint: int) -> list[Competence]:
        members = members_of(group)
        fit, theta, xi = _fit(data, members)
        return _competences(data, fit, members, theta, xi, viewpoint)

    results = [evaluated(g, i) for i, g in enumerate(groups)]
    while len(groups) < MAX_VIEWPOINTS:
        for i, group in enumerate(groups):
            dissenters = _dissenters(group, results[i])
            if dissenters:
                groups[i] = group - dissenters
                groups.append(dissenters)
                results[i] = evaluated(groups[i], i)
                results.append(evaluated(dissenters, len(groups) - 1))
                break
        else:
            break
    # Where the answers alone made the viewpoints (no known groups), let each annotator move
    # to the viewpoint they agree with best and fit again, a few rounds (as k-means does): a
    # minority member whose few shared items hid them at the split joins their own.
    for _ in range(REASSIGN_ROUNDS if len(start_sets) == 1 and len(groups) > 1 else 0):
        home = {a: v for v, members in enumerate(groups) for a in members}
        best = {a: _best_viewpoint(results, a, home[a]) for a in home}
        moved = [{a for a, v in best.items() if v == i} for i in range(len(groups))]
        if moved == groups or any(len(g) < MIN_VIEWPOINT for g in moved):
            break
        groups = moved
        results = [evaluated(g, i) for i, g in enumerate(groups)]
    found: dict[int, Competence] = {}
    for i, annotator in enumerate(data.annotators):
        options = [r[i] for r in results if r[i].n > 0]
        found[annotator] = max(options, key=_trusted) if options else NO_EVIDENCE
    return found
