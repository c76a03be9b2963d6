"""A planted population for trying the quality layer: honest annotators in two preference
groups and spammers of three kinds, each annotator's kind known to the simulation only.

- **Honest groups.** The majority prefers detailed answers; a minority (15 %) prefers brief
  ones: the majority's preference reversed. Both answer through the same noisy answerers as
  ``prefhub simulate`` (a near tie in length is close to a coin toss; a clear difference is
  rarely missed; a few ties and "both bad"), at a pace of their own (a median of about 13 s,
  each person faster or slower). A gold item is by design one every honest group agrees on
  (a clearly broken candidate), so an honest annotator of either group sees its expected answer
  as the clear favourite, and slips only as on any other task.
- **Spammers (10 %)**: *random clickers* press any offered button of a pairwise question
  (A, B, tie, both bad) with equal chance, at an honest pace; *always-left clickers* choose the
  first candidate shown, at an honest pace; *too-fast clickers* answer at random in about a
  second. Each claims a group in their profile, drawn in the honest groups' proportions.

Every annotator works through the real assignment service (``next_task``, ``submit``), so the
order shown, gold mixing and the recorded ``time_spent_ms`` are the product's own.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from prefhub.assignments import service as assignments
from prefhub.assignments import submissions
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.campaigns.spec import PairwiseQuestion
from prefhub.kit.content import plain_text
from prefhub.kit.db import unit_of_work
from prefhub.kit.errors import InvalidInput
from prefhub.models import Candidate, User
from prefhub.participation.exceptions import AnnotatorExcluded
from prefhub.simulation.annotators import PreferenceGroup, synthetic_annotator
from prefhub.simulation.answers import answer_screen

Kind = Literal["honest", "random", "always_left", "too_fast"]
SPAMMER_KINDS: tuple[Kind, ...] = ("random", "always_left", "too_fast")
POPULATIONS = ("planted-spammers",)
SPAMMER_SHARE = 0.10
MINORITY_SHARE = 0.15
# A gold item's expected favourite, as an honest annotator values it: far above any style gap.
GOLD_MARGIN = 5.0
# Seconds per task: an honest annotator's median is drawn around 13 s (log-sd 0.35 between
# people, 0.5 between one person's tasks); a too-fast clicker's around 1.2 s.
HONEST_PACE_LOG_MS = 9.5
TOO_FAST_PACE_LOG_MS = 7.1


def words(text: str) -> float:
    """A candidate's length as the groups feel it: log word count."""
    return math.log(1 + len(text.split()))


MAJORITY = PreferenceGroup("detailed", "prefers detailed answers", words)
MINORITY = PreferenceGroup(
    "brief", "prefers brief answers: the majority's preference reversed", lambda t: -words(t)
)
GROUPS = (MAJORITY, MINORITY)


@dataclass(frozen=True)
class Planted:
    """One simulated annotator as planted: their kind, the group they are (honest) or claim to
    be (spammers), and their median seconds per task in milliseconds."""

    index: int
    kind: Kind
    group: PreferenceGroup
    pace_ms: float

    @property
    def is_spammer(self) -> bool:
        return self.kind != "honest"

    @property
    def describe(self) -> str:
        return self.group.name if self.kind == "honest" else self.kind.replace("_", "-")


@dataclass
class PopulationResult:
    planted: dict[int, Planted]  # user id -> what was planted
    judgments: int
    excluded_during_run: int  # annotators the product stopped serving before their last task

    def counts(self) -> Counter[str]:
        return Counter(p.describe for p in self.planted.values())


def plant(n: int, rng: random.Random) -> list[Planted]:
    """``n`` annotators: 10 % spammers (the three kinds as evenly as the count allows), 15 %
    the minority group, the rest the majority, in a shuffled order."""
    spammers = round(n * SPAMMER_SHARE)
    minority = round(n * MINORITY_SHARE)
    kinds: list[Kind] = [SPAMMER_KINDS[i % len(SPAMMER_KINDS)] for i in range(spammers)]
    kinds += ["honest"] * (n - spammers)
    groups = [MINORITY] * minority + [MAJORITY] * (n - spammers - minority)
    rng.shuffle(kinds)
    rng.shuffle(groups)
    honest_groups = iter(groups)
    majority_share = (n - spammers - minority) / max(1, n - spammers)
    planted = []
    for i, kind in enumerate(kinds):
        if kind == "honest":
            group = next(honest_groups)
        else:
            group = MAJORITY if rng.random() < majority_share else MINORITY
        centre = TOO_FAST_PACE_LOG_MS if kind == "too_fast" else HONEST_PACE_LOG_MS
        pace = math.exp(rng.gauss(centre, 0.35))
        planted.append(Planted(i, kind, group, pace))
    return planted


def _users(slug: str, seed: int, planted: list[Planted], rng: random.Random) -> dict[int, Planted]:
    """The planted annotators' accounts (found again on a rerun with the same seed)."""
    by_user = {}
    with unit_of_work() as session:
        for p in planted:
            user = synthetic_annotator(
                session,
                f"sim-{slug}-planted-{seed}-{p.index}@simulated.invalid",
                # The kind is in the name so a researcher trying the quality layer can check the
                # annotator table by eye; nothing in the product reads it.
                f"Simulated {p.describe} {p.index}",
                p.group.name,
                rng,
            )
            by_user[user.id] = p
    return by_user


def simulate_population(
    slug: str,
    *,
    annotators: int,
    tasks_each: int,
    seed: int = 0,
    on_judgment: Callable[[int], None] | None = None,
) -> PopulationResult:
    """Each planted annotator takes up to ``tasks_each`` tasks, interleaved at random with the
    others; one stopped by the campaign (no work left, or excluded by a quality rule) stops."""
    with unit_of_work() as session:
        if spec_of(get_by_slug(session, slug)).trees is not None:
            raise InvalidInput(
                f"Campaign '{slug}' grows conversation trees: a planted population judges items"
            )
    rng = random.Random(seed)
    planted = _users(slug, seed, plant(annotators, rng), rng)
    turns = [uid for uid in planted for _ in range(tasks_each)]
    rng.shuffle(turns)
    stopped: set[int] = set()
    excluded = 0
    done = 0
    for annotator_id in turns:
        if annotator_id in stopped:
            continue
        try:
            made = _one_task(slug, annotator_id, planted[annotator_id], rng, f"{seed}-{done}")
        except AnnotatorExcluded:
            made = False
            excluded += 1
        if not made:
            stopped.add(annotator_id)
            continue
        done += 1
        if on_judgment:
            on_judgment(done)
    return PopulationResult(planted, done, excluded)


def _one_task(slug: str, annotator_id: int, who: Planted, rng: random.Random, key: str) -> bool:
    with unit_of_work() as session:
        campaign = get_by_slug(session, slug)
        annotator = session.get_one(User, annotator_id)
        task = assignments.next_task(session, campaign, annotator, rng)
        if task is None:
            return False
        questions = spec_of(campaign).questions
        texts = [plain_text(c.content) for c in task.candidates]
        if who.is_spammer:
            answers = _spam(questions, who, texts, rng)
        else:
            expected = task.item.gold_expected if task.item.is_gold else None
            utilities = _gold_utilities(expected, task.candidates) or [
                who.group.utility(text) for text in texts
            ]
            answers = answer_screen(questions, who.group, texts, utilities, rng)
        submissions.submit(
            session,
            campaign,
            annotator,
            assignment_id=task.assignment.id,
            client_id=f"sim-planted-{key}-{task.assignment.id}",
            answers=answers,
            time_spent_ms=max(200, int(who.pace_ms * math.exp(rng.gauss(0, 0.5)))),
        )
    return True


def _gold_utilities(expected: dict[str, Any] | None, shown: list[Candidate]) -> list[float] | None:
    """An honest annotator's values of a gold item's shown candidates: the expected favourite
    (a pairwise ``accept`` naming one candidate, or a ranking's ``order``) far above the
    others. None when the expected answers name no favourite."""
    for raw in (expected or {}).values():
        favourites = [c for c in raw.get("accept") or [] if c in ("A", "B")]
        order = raw.get("order") or (favourites if len(favourites) == 1 else [])
        if order:
            rank = {letter: place for place, letter in enumerate(order)}
            letters = [chr(ord("A") + c.position) for c in shown]
            return [GOLD_MARGIN * (len(order) - rank.get(letter, len(order))) for letter in letters]
    return None


def _spam(
    questions: Iterable[Any], who: Planted, texts: list[str], rng: random.Random
) -> dict[str, dict[str, Any]]:
    """A spammer's screen: pairwise questions as their kind clicks; other kinds from values
    that are random (or fall with the position shown, for an always-left clicker)."""
    questions = list(questions)
    if who.kind == "always_left":
        utilities = [-GOLD_MARGIN * i for i in range(len(texts))]
    else:
        utilities = [rng.gauss(0, GOLD_MARGIN) for _ in texts]
    answers = answer_screen(questions, who.group, texts, utilities, rng)
    for q in questions:
        if isinstance(q, PairwiseQuestion):
            answers[q.id] = _spam_pairwise(q, who.kind, rng)
    return answers


def _spam_pairwise(q: PairwiseQuestion, kind: Kind, rng: random.Random) -> dict[str, Any]:
    offered = ["A", "B"] + ["tie"] * q.allow_tie + ["both_bad"] * q.allow_both_bad
    choice = "A" if kind == "always_left" else rng.choice(offered)
    answer: dict[str, Any] = {"choice": choice}
    if q.strength and choice in ("A", "B"):
        answer["strength"] = rng.choice(["slight", "clear", "strong"])
    if q.aspects:
        answer["aspects"] = {a.id: choice if choice in ("A", "B") else "tie" for a in q.aspects}
    return answer
