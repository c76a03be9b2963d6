"""MACE per viewpoint (``quality.mace``) on planted answers, without a database: a minority
answering the opposite of the majority is its own viewpoint and scores like the majority;
random and always-"A" clickers score low; known groups are kept apart."""

from __future__ import annotations

import random
import statistics

from prefhub.quality import mace

KINDS = ["random"] * 10 + ["left"] * 10 + ["minority"] * 30 + ["majority"] * 150


def _answers(seed: int, items: int = 3000, per_item: int = 5) -> list[mace.Answer]:
    rng = random.Random(seed)
    answers: list[mace.Answer] = []
    for unit in range(items):
        truth = rng.choice(["first", "second"])
        for annotator in rng.sample(range(len(KINDS)), per_item):
            kind = KINDS[annotator]
            if kind in ("random", "left"):  # "A" is either candidate, shown in random order
                label = rng.choice(["first", "second"])
            else:
                flip = (kind == "minority") != (rng.random() < 0.1)
                label = truth if not flip else ("second" if truth == "first" else "first")
            answers.append((unit, annotator, label))
    return answers


def _mean(found: dict[int, mace.Competence], kind: str) -> float:
    return statistics.mean(c.theta for a, c in found.items() if KINDS[a] == kind)


def test_a_minority_viewpoint_scores_like_the_majority_and_clickers_score_low() -> None:
    found = mace.scored(_answers(3), [set(range(len(KINDS)))])
    assert abs(_mean(found, "minority") - _mean(found, "majority")) < 0.1
    assert _mean(found, "majority") > 0.6
    assert _mean(found, "random") < 0.35 and _mean(found, "left") < 0.35
    spammers = [c.theta for a, c in found.items() if KINDS[a] in ("random", "left")]
    honest = [c.theta for a, c in found.items() if KINDS[a] in ("minority", "majority")]
    assert statistics.quantiles(honest, n=20)[0] > max(spammers) - 0.05
    minority_viewpoints = {c.viewpoint for a, c in found.items() if KINDS[a] == "minority"}
    majority_viewpoints = {c.viewpoint for a, c in found.items() if KINDS[a] == "majority"}
    assert not minority_viewpoints & majority_viewpoints


def test_known_groups_are_scored_within_themselves() -> None:
    minority = {a for a, k in enumerate(KINDS) if k == "minority"}
    rest = set(range(len(KINDS))) - minority
    found = mace.scored(_answers(4), [rest, minority])
    assert {found[a].viewpoint for a in minority} == {1}
    assert _mean(found, "minority") > 0.6


def test_no_answers_no_competence() -> None:
    assert mace.scored([], [{1, 2}]) == {}
    lone = mace.scored([("u", 1, "first")], [{1}])
    assert lone[1] == mace.NO_EVIDENCE
