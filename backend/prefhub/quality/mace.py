"""Annotator competence from their answers alone: MACE with viewpoints linked across the
whole campaign.

MACE (Hovy et al. 2013, "Learning Whom to Trust with MACE") explains each answer as either
the unit's latent true label (with the annotator's competence ``theta``) or a draw from the
annotator's own spamming distribution ``xi``:
``P(label l | truth t) = theta * [l == t] + (1 - theta) * xi(l)``.

One latent truth per unit assumes one right answer. People who prefer different things are
not noise, so annotators belong to **viewpoints**, each with its own truth on every unit, and
an annotator is scored against their own viewpoint's truth:

* **Linked truths.** The viewpoints' truths are tied through the largest viewpoint (the
  reference): each other viewpoint ``v`` has a link ``P(truth_v | truth_reference)``, learned
  over all units (a Dawid-Skene confusion matrix at the level of a viewpoint). A viewpoint
  that prefers the opposite learns a link that swaps the answers, so its truth on a unit
  follows from *anyone's* answers there, not only its own members'. That is what keeps a
  minority's peer agreement up when items are judged by 3 people and a member rarely shares
  one with another member of their viewpoint (15 % of 200 annotators, 24 tasks each: the
  minority's median competence was 0.15 against the majority's 0.82 when each viewpoint's
  truths were fitted alone; it is now the majority's).
* **Leave-one-out.** An answer is weighed against the truth every *other* answer of the unit
  implies (its own factor is divided out), so nobody agrees with themselves and a unit
  nobody else judged is no evidence.
* **Viewpoints are found, and kept only when they explain the answers.** Starting from the
  known groups (or everyone), the annotators who agree poorly with their viewpoint
  (competence under ``SPLIT_BELOW``) are proposed as a new viewpoint; everyone then moves to
  the viewpoint they agree with best, a few rounds (as k-means does), and the split is kept
  when its members' median competence in it reaches ``SPLIT_BELOW`` and the campaign's
  likelihood rises by more than a BIC penalty: ``0.5 * L (L - 1) * log(answers)`` for the
  new link's cells, plus ``log(G + 1)`` per member for naming their viewpoint. A random
  clicker's answers are independent of every truth, so a viewpoint of random clickers
  explains little and is refused; they agree at chance with every viewpoint and score low
  wherever they end up (a coin flipper's best of two opposite viewpoints is a little above
  chance on a few items, so their competence is not quite 0).

Each annotator's competence is then MACE's ``theta`` against their viewpoint's truth, with
the truths held fixed. Vectorised with numpy: a fit is a few array passes over the answers
per EM iteration (the links are matrix products over the labels); ``bench/RESULTS.md`` has
the timings.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# (unit, annotator, label)
Answer = tuple[Hashable, int, Hashable]
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

ITERATIONS = 8  # EM rounds of a fit from scratch
REFIT = 4  # EM rounds of a fit started from the last one
SPLIT_BELOW = 0.5  # competence under which an annotator is proposed for a new viewpoint
MIN_SPLIT_EVIDENCE = 3  # units with others' answers before an annotator is proposed
MIN_VIEWPOINT = 2  # annotators a viewpoint needs
MAX_VIEWPOINTS = 4
REASSIGN_ROUNDS = 3
MAX_FITS = 16  # fits one call may make: bounds a pass (~0.15 s CPU each at 30,000 answers)
SETTLED = 200  # the rounds stop once at most one annotator in this many moves
CHOICE_EVIDENCE = 5.0  # pseudo-units of doubt when choosing an annotator's viewpoint
SMOOTHING = 0.5  # pseudo-counts on xi's labels, theta's two outcomes and the links' cells
FLOOR = 1e-12


@dataclass(frozen=True)
class Competence:
    theta: float  # 0..1: how often they give the viewpoint's true label knowingly
    agreement: float  # mean leave-one-out probability that their answer is the truth
    chance: float  # the agreement their own label frequencies would reach by chance
    n: int  # units where others gave evidence
    viewpoint: int  # the viewpoint they were scored in: a ``start`` index or later (-1: none)


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
    others: NDArray[np.bool_]  # per answer: someone else answered its unit


@dataclass
class _Model:
    home: Ints  # (annotators,): each one's viewpoint; 0 is the reference
    viewpoints: int
    theta: Floats  # (annotators,)
    xi: Floats  # (annotators, labels)
    prior: Floats  # (labels,): the reference's truths
    link: Floats  # (viewpoints, labels, labels): P(truth_v | truth_reference); [0] = identity


@dataclass
class _State:
    """One E-step: every answer's log factor, and per unit and viewpoint the sum of its
    members' factors and the message it sends the reference's truth."""

    factors: Floats  # (labels, answers)
    sums: Floats  # (labels, units * viewpoints)
    messages: Floats  # (labels, units * viewpoints)
    total: Floats  # (labels, units): log prior plus every viewpoint's message
    cell: Ints  # (answers,): unit * viewpoints + the answerer's viewpoint


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
    answered = np.bincount(table[:, 0], minlength=len(units))
    return _Data(
        table[:, 0],
        table[:, 1],
        table[:, 2],
        len(units),
        list(annotators),
        len(labels),
        answered[table[:, 0]] > 1,
    )


def _through(log_x: Floats, matrix: Floats) -> Floats:
    """``log(matrix.T @ exp(log_x))`` column by column without overflow: a log-sum-exp over
    the labels done as one matrix product (arrays are labels x rows, so that every step is
    a pass over long rows)."""
    top = log_x.max(axis=0)
    product = matrix.T @ np.exp(log_x - top)
    return np.asarray(np.log(np.maximum(product, FLOOR)) + top, dtype=np.float64)


def _softmax(x: Floats) -> Floats:
    """Over the labels (axis 0)."""
    e = np.exp(x - x.max(axis=0))
    return np.asarray(e / e.sum(axis=0), dtype=np.float64)


def _by_annotator_label(data: _Data, weights: Floats) -> Floats:
    """(annotators, labels): ``weights`` summed by each answer's annotator and label."""
    cells = data.annotator * data.labels + data.label
    sums = np.bincount(cells, weights=weights, minlength=len(data.annotators) * data.labels)
    return np.asarray(sums.reshape(len(data.annotators), data.labels), dtype=np.float64)


def _frequencies(data: _Data) -> Floats:
    counts = SMOOTHING + _by_annotator_label(data, np.ones(len(data.label)))
    return np.asarray(counts / counts.sum(axis=1, keepdims=True), dtype=np.float64)


def _state(data: _Data, model: _Model) -> _State:
    t = model.theta[data.annotator]
    x = model.xi[data.annotator, data.label]
    same = np.arange(data.labels)[:, None] == data.label[None, :]
    factors = np.log(np.maximum((1 - t) * x + t * same, FLOOR))
    g = model.viewpoints
    cell = data.unit * g + model.home[data.annotator]
    sums: Floats = np.stack(
        [np.bincount(cell, weights=row, minlength=data.units * g) for row in factors]
    ).astype(np.float64)
    messages = np.empty_like(sums)
    for v in range(g):
        messages[:, v::g] = _through(sums[:, v::g], model.link[v].T)
    total = np.log(model.prior)[:, None] + messages.reshape(data.labels, data.units, g).sum(axis=2)
    return _State(factors, sums, messages, total, cell)


def _own_beliefs(data: _Data, model: _Model, state: _State) -> Floats:
    """(labels, answers): each answer's posterior of its own viewpoint's truth on its unit,
    from every other answer there."""
    g = model.viewpoints
    # What the other viewpoints say of each viewpoint's truth, per unit: the same for every
    # member answering, so computed once per (unit, viewpoint) cell.
    rest = np.repeat(state.total, g, axis=1) - state.messages
    outside = np.empty_like(rest)
    for v in range(g):
        outside[:, v::g] = _through(rest[:, v::g], model.link[v])
    return _softmax(state.sums[:, state.cell] - state.factors + outside[:, state.cell])


def _beliefs_of(data: _Data, model: _Model, state: _State, target: int) -> Floats:
    """(labels, answers): each answer's posterior of viewpoint ``target``'s truth on its
    unit, from every other answer there."""
    g = model.viewpoints
    own = model.home[data.annotator]
    without = state.sums[:, state.cell] - state.factors
    mine = np.empty_like(without)
    for v in range(g):
        at = own == v
        mine[:, at] = _through(without[:, at], model.link[v].T)
    reference = state.total[:, data.unit] - state.messages[:, state.cell] + mine
    target_cell = data.unit * g + target
    at_home = own == target
    context = reference - state.messages[:, target_cell]
    context[:, at_home] = reference[:, at_home] - mine[:, at_home]
    sums = state.sums[:, target_cell]
    sums[:, at_home] = without[:, at_home]
    return _softmax(sums + _through(context, model.link[target]))


def _start(data: _Data, home: Ints, viewpoints: int, warm: _Model | None) -> _Model:
    n_l = data.labels
    link = np.full((viewpoints, n_l, n_l), 1.0 / n_l)
    link[0] = np.eye(n_l)
    model = _Model(
        home=home,
        viewpoints=viewpoints,
        theta=np.full(len(data.annotators), 0.8),
        xi=_frequencies(data),
        prior=np.full(n_l, 1.0 / n_l),
        link=link,
    )
    if warm is not None:
        model.theta, model.xi, model.prior = warm.theta.copy(), warm.xi.copy(), warm.prior
        kept = min(viewpoints, warm.viewpoints)
        model.link[:kept] = warm.link[:kept]
    return model


def _fit(
    data: _Data, home: Ints, viewpoints: int, warm: _Model | None = None, rounds: int | None = None
) -> tuple[_Model, _State]:
    """EM over every answer with the annotators in viewpoints ``home``: the reference's
    prior and the links from the units' posteriors, each annotator's ``theta`` and ``xi``
    from the leave-one-out posteriors of their own viewpoint's truth."""
    n_a = len(data.annotators)
    model = _start(data, home, viewpoints, warm)
    rows = np.arange(len(data.label))
    valid = data.others.astype(float)
    evidence = np.bincount(data.annotator, weights=valid, minlength=n_a)
    present = np.zeros(data.units * viewpoints, dtype=bool)
    present[data.unit * viewpoints + home[data.annotator]] = True
    for _ in range(rounds or (REFIT if warm is not None else ITERATIONS)):
        state = _state(data, model)
        p_true = _own_beliefs(data, model, state)[data.label, rows]
        prior = SMOOTHING + _softmax(state.total).sum(axis=1)
        model.prior = prior / prior.sum()
        for v in range(1, viewpoints):
            cells = np.flatnonzero(present[v::viewpoints]) * viewpoints + v
            reference = _softmax(state.total[:, cells // viewpoints] - state.messages[:, cells])
            theirs = _softmax(state.sums[:, cells])
            # Expected (reference truth, their truth) counts over the cells: r_i l_ij t_j / z.
            z = (reference * (model.link[v] @ theirs)).sum(axis=0)
            counts = model.link[v] * ((reference / z) @ theirs.T) + SMOOTHING
            model.link[v] = counts / counts.sum(axis=1, keepdims=True)
        t = model.theta[data.annotator]
        x = model.xi[data.annotator, data.label]
        knew = valid * p_true * t / np.maximum(t * p_true + (1 - t) * x, FLOOR)
        known = np.bincount(data.annotator, weights=knew, minlength=n_a)
        model.theta = (known + SMOOTHING) / (evidence + 2 * SMOOTHING)
        spam = SMOOTHING + _by_annotator_label(data, valid - knew)
        model.xi = spam / spam.sum(axis=1, keepdims=True)
    return model, _state(data, model)


def _log_likelihood(state: _State) -> float:
    top = state.total.max(axis=0)
    return float((top + np.log(np.exp(state.total - top).sum(axis=0))).sum())


def _competences(data: _Data, model: _Model, state: _State, target: int) -> list[Competence]:
    """Every annotator's competence against one viewpoint's truth, leaving each out: MACE's
    theta for them with the truth posteriors held fixed."""
    n_a = len(data.annotators)
    post = _beliefs_of(data, model, state, target)
    p_true = post[data.label, np.arange(len(data.label))]
    own = _frequencies(data)
    valid = data.others.astype(float)
    x = own[data.annotator, data.label]
    n = np.bincount(data.annotator, weights=valid, minlength=n_a)
    agree = np.bincount(data.annotator, weights=valid * p_true, minlength=n_a)
    by_chance = (post * own[data.annotator].T).sum(axis=0)
    chance = np.bincount(data.annotator, weights=valid * by_chance, minlength=n_a)
    estimate = np.full(n_a, 0.5)
    for _ in range(ITERATIONS):
        t = estimate[data.annotator]
        knew = valid * p_true * t / np.maximum(t * p_true + (1 - t) * x, FLOOR)
        known = np.bincount(data.annotator, weights=knew, minlength=n_a)
        estimate = (known + SMOOTHING) / (n + 2 * SMOOTHING)
    return [
        Competence(
            theta=round(float(estimate[i]), 4),
            agreement=float(agree[i] / n[i]),
            chance=float(chance[i] / n[i]),
            n=int(n[i]),
            viewpoint=target,
        )
        if n[i] > 0
        else NO_EVIDENCE
        for i in range(n_a)
    ]


def _trusted(c: Competence) -> float:
    """Competence shrunk towards 0 by thin evidence, to choose an annotator's viewpoint: a
    viewpoint where they agreed on one item by chance must not beat one with many items."""
    return c.theta * c.n / (c.n + CHOICE_EVIDENCE)


@dataclass
class _Found:
    home: Ints
    model: _Model
    state: _State
    results: list[list[Competence]]  # viewpoint -> annotator index -> competence


def _evaluated(
    data: _Data, home: Ints, viewpoints: int, warm: _Model | None, rounds: int | None = None
) -> _Found:
    model, state = _fit(data, home, viewpoints, warm, rounds)
    return _Found(
        home, model, state, [_competences(data, model, state, v) for v in range(viewpoints)]
    )


def _split(data: _Data, found: _Found, known: Ints, budget: list[int]) -> _Found | None:
    """A new viewpoint for the annotators who agree poorly with theirs, after everyone moved
    to the viewpoint they agree with best (an annotator of a known group may move only to a
    viewpoint the answers made), or None when no split explains the answers better than its
    BIC penalty."""
    own = [found.results[found.home[i]][i] for i in range(len(data.annotators))]
    low = [i for i, c in enumerate(own) if c.n >= MIN_SPLIT_EVIDENCE and c.theta < SPLIT_BELOW]
    dissenting = [i for i in low if own[i].agreement < own[i].chance]
    for proposed in (dissenting, low) if len(dissenting) < len(low) else (low,):
        if MIN_VIEWPOINT <= len(proposed) < len(own) and budget[0] > 0:
            trial = _proposal(data, found, known, proposed, budget)
            if trial is not None:
                return trial
    return None


def _proposal(
    data: _Data, found: _Found, known: Ints, proposed: list[int], budget: list[int]
) -> _Found | None:
    g = found.model.viewpoints
    home = found.home.copy()
    home[proposed] = g
    warm = _Model(**vars(found.model))
    warm.theta = found.model.theta.copy()
    warm.theta[proposed] = 0.8  # measured against a truth that may not be theirs
    trial = _evaluated(data, home, g + 1, warm, ITERATIONS)
    budget[0] -= 1
    before = _log_likelihood(found.state)
    if _log_likelihood(trial.state) <= before:
        return None  # the proposed annotators share nothing the others lack
    known_viewpoints = int(known.max()) + 1  # the groups given; later ones the answers made
    for _ in range(REASSIGN_ROUNDS):
        if budget[0] <= 0:
            break
        best = np.array(
            [
                max(
                    (v for v in range(g + 1) if v == known[i] or v >= known_viewpoints),
                    key=lambda v: (_trusted(trial.results[v][i]), v == trial.home[i]),
                )
                for i in range(len(data.annotators))
            ]
        )
        sizes = np.bincount(best, minlength=g + 1)
        if (best != trial.home).sum() <= len(best) // SETTLED or sizes.min() < MIN_VIEWPOINT:
            break
        trial = _evaluated(data, best, g + 1, trial.model)
        budget[0] -= 1
    members = np.flatnonzero(trial.home == g)
    if np.median([trial.results[g][i].theta for i in members]) < SPLIT_BELOW:
        return None  # a bin of annotators who agree with nothing, not a viewpoint
    # BIC: the new link's cells, and naming each member's viewpoint among g + 1.
    gain = _log_likelihood(trial.state) - before
    penalty = 0.5 * data.labels * (data.labels - 1) * math.log(len(data.label))
    return trial if gain > penalty + len(members) * math.log(g + 1) else None


def scored(answers: list[Answer], start: Iterable[set[int]]) -> dict[int, Competence]:
    """Each annotator's competence in their viewpoint; the viewpoints start as ``start``
    (annotator ids: known groups, or everyone) and split where the answers show another."""
    if not answers:
        return {}
    data = _encode(answers)
    index = {a: i for i, a in enumerate(data.annotators)}
    starts = [{index[a] for a in g if a in index} for g in start]
    outside = set(range(len(data.annotators))).difference(*starts)
    if outside:  # answered, but in no group given: a group of their own to start with
        starts.append(outside)
    # The largest group is the reference; the others link to it.
    order = sorted((s for s in range(len(starts)) if starts[s]), key=lambda s: -len(starts[s]))
    known = np.zeros(len(data.annotators), dtype=np.int64)
    for v, s in enumerate(order):
        known[sorted(starts[s])] = v
    found = _evaluated(data, known, len(order), None)
    budget = [MAX_FITS - 1]  # fits left, shared by every split tried
    while found.model.viewpoints < MAX_VIEWPOINTS:
        split = _split(data, found, known, budget)
        if split is None:
            break
        found = split
    # Report viewpoints by their place in ``start``; ones the answers made come after.
    names = order + list(range(len(starts), len(starts) + found.model.viewpoints - len(order)))
    scores: dict[int, Competence] = {}
    for i, annotator in enumerate(data.annotators):
        c = found.results[found.home[i]][i]
        scores[annotator] = c if c.n == 0 else _renamed(c, names[c.viewpoint])
    return scores


def _renamed(c: Competence, viewpoint: int) -> Competence:
    return Competence(c.theta, c.agreement, c.chance, c.n, viewpoint)
