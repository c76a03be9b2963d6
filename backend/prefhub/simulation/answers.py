"""A simulated annotator's answers to a task screen, driven by their group's utility; what
they write in text questions comes from ``simulation.feedback``."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from prefhub.campaigns.answers import shown_labels
from prefhub.campaigns.spec import (
    BinaryQuestion,
    LabelsQuestion,
    NegativeOnlyQuestion,
    PairwiseQuestion,
    RankingQuestion,
    RatingQuestion,
    Scale,
    TextQuestion,
)
from prefhub.simulation import feedback
from prefhub.simulation.annotators import PreferenceGroup

NOISE = 0.35


def _noisy(utilities: list[float], rng: random.Random) -> list[float]:
    return [u + rng.gauss(0, NOISE) for u in utilities]


def _pairwise(q: PairwiseQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if q.allow_tie and roll < 0.04:
        choice = "tie"
    elif q.allow_both_bad and roll < 0.06:
        choice = "both_bad"
    else:
        gap = u[0] - u[1]
        p_a = 1 / (1 + pow(2.718281828, -4 * gap))
        choice = "A" if rng.random() < p_a else "B"
    answer: dict[str, Any] = {"choice": choice}
    if q.strength and choice in ("A", "B"):
        gap = abs(u[0] - u[1])
        answer["strength"] = "slight" if gap < 0.3 else "clear" if gap < 1 else "strong"
    if q.aspects:
        per_aspect = choice if choice in ("A", "B") else "tie"
        answer["aspects"] = {aspect.id: per_aspect for aspect in q.aspects}
    return answer


def _ranking(q: RankingQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    labels = shown_labels(len(u))
    order = sorted(range(len(u)), key=lambda i: -_noisy(u, rng)[i])
    return {"ranking": [[labels[i]] for i in order], "none_acceptable": False}


def _binary(q: BinaryQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    mean = sum(u) / len(u)
    noisy = _noisy(u, rng)
    labels = shown_labels(len(u))
    return {"votes": {labels[i]: "up" if noisy[i] >= mean else "down" for i in range(len(u))}}


def _negative_only(q: NegativeOnlyQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    best = max(u)
    labels = shown_labels(len(u))
    marked = {
        labels[i]: [q.reasons[0].id] if q.reasons else []
        for i, value in enumerate(_noisy(u, rng))
        if best - value > 1.2
    }
    return {"unacceptable": marked}


def _score(scale: Scale, centred: float, rng: random.Random) -> int:
    middle = (scale.min + scale.max) / 2
    value = round(middle + centred + rng.gauss(0, 0.5))
    return max(scale.min, min(scale.max, value))


def _rating(q: RatingQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    mean = sum(u) / len(u)
    labels = shown_labels(len(u))
    return {
        "scores": {
            labels[i]: {a.id: _score(a.scale, u[i] - mean, rng) for a in q.attributes}
            for i in range(len(u))
        }
    }


def _labels(q: LabelsQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    def values() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in q.labels:
            if spec.type == "flag":
                out[spec.id] = False
            elif spec.scale is not None:
                out[spec.id] = _score(spec.scale, 0, rng)
        return out

    if q.target == "prompt":
        return {"values": values()}
    return {"values": {label: values() for label in shown_labels(len(u))}}


ANSWERERS: dict[str, Callable[[Any, list[float], random.Random], dict[str, Any]]] = {
    "pairwise": _pairwise,
    "ranking": _ranking,
    "binary": _binary,
    "negative_only": _negative_only,
    "rating": _rating,
    "labels": _labels,
}


def answer(question: Any, utilities: list[float], rng: random.Random) -> dict[str, Any]:
    """A question of any kind but text; ``utilities`` are the annotator's values of the shown
    candidates, in the order shown."""
    return ANSWERERS[question.kind](question, utilities, rng)


def answer_screen(
    questions: list[Any],
    group: PreferenceGroup,
    texts: list[str],
    utilities: list[float],
    rng: random.Random,
) -> dict[str, dict[str, Any]]:
    """Every question of a task screen, by id. ``texts`` and ``utilities`` are the shown
    candidates' plain texts and the annotator's values of them, in the order shown.

    The choices come first (in question order), then the texts, which are about the candidate
    chosen: the one an export attaches an item-level text to."""
    answers = {q.id: answer(q, utilities, rng) for q in questions if q.kind != "text"}
    chosen = _chosen(questions, answers, utilities)
    labels = shown_labels(len(texts))
    replies = [feedback.Reply(label, text) for label, text in zip(labels, texts, strict=True)]
    for q in questions:
        if q.kind == "text":
            answers[q.id] = _text(q, group.name, replies, chosen, utilities, rng)
    return {q.id: answers[q.id] for q in questions}


def _chosen(
    questions: list[Any], answers: dict[str, dict[str, Any]], utilities: list[float]
) -> int | None:
    """The index of the candidate the answers single out, by the rule exports use for item-level
    texts: the pairwise winner, else the only candidate ranked first, else the only one with the
    best mean score; the first of those kinds the screen asks decides. A screen with none of
    them singles out the candidate the annotator values most."""
    labels = shown_labels(len(utilities))
    for kind in ("pairwise", "ranking", "rating"):
        asked = [answers[q.id] for q in questions if q.kind == kind]
        for given in asked:
            if kind == "pairwise":
                top = [given["choice"]] if given["choice"] in ("A", "B") else []
            elif kind == "ranking":
                top = given["ranking"][0] if given["ranking"] else []
            else:
                means = {
                    label: sum(scores.values()) / len(scores)
                    for label, scores in given["scores"].items()
                    if scores
                }
                best = max(means.values(), default=None)
                top = [label for label, mean in means.items() if mean == best]
            if len(top) == 1:
                return labels.index(top[0])
        if asked:
            return None
    return max(range(len(utilities)), key=lambda i: utilities[i])


def _text(
    q: TextQuestion,
    group: str,
    replies: list[feedback.Reply],
    chosen: int | None,
    utilities: list[float],
    rng: random.Random,
) -> dict[str, Any]:
    def about(reply: feedback.Reply) -> str:
        if q.purpose == "refinement":
            written = feedback.refinement(group, reply, rng)
        else:
            written = feedback.critique(group, reply, replies, rng)
        return feedback.within(written, q.min_length, q.max_length, group, rng)

    if q.target == "candidate":
        return {"texts": {reply.label: about(reply) for reply in replies}}
    if q.purpose == "rationale":
        written = feedback.rationale(group, replies, chosen, rng)
        return {"text": feedback.within(written, q.min_length, q.max_length, group, rng)}
    # An item-level critique or refinement is of the chosen candidate (the favourite if none).
    index = chosen if chosen is not None else max(range(len(utilities)), key=utilities.__getitem__)
    return {"text": about(replies[index])}
