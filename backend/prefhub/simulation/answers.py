"""A simulated annotator's answer to each question kind, driven by their group's utility."""

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


def _text(q: TextQuestion, u: list[float], rng: random.Random) -> dict[str, Any]:
    labels = shown_labels(len(u))
    best = labels[max(range(len(u)), key=lambda i: u[i])]
    sentence = f"Response {best} suits what I look for in an answer."
    text = sentence if (q.required or q.min_length) else ""
    while len(text) < q.min_length:
        text += " " + sentence
    text = text[: q.max_length]
    if q.target == "item":
        return {"text": text}
    return {"texts": {label: text for label in labels}}


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
    "text": _text,
    "labels": _labels,
}


def answer(question: Any, utilities: list[float], rng: random.Random) -> dict[str, Any]:
    """``utilities`` are the annotator's values of the shown candidates, in the order shown."""
    return ANSWERERS[question.kind](question, utilities, rng)
