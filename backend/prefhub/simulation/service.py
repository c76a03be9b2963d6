"""Synthetic annotators from a few latent preference groups, judging through the real service.

The groups disagree on purpose (one likes short answers, one thorough ones, one structured
Markdown), so exports show the disagreement that user-conditioned reward models learn from.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from prefhub.assignments import service as assignments
from prefhub.assignments import submissions
from prefhub.auth.service import create_user
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.kit.content import plain_text
from prefhub.kit.db import unit_of_work
from prefhub.models import Role, User
from prefhub.simulation.answers import answer as simulated_answer

_STRUCTURE = re.compile(r"^\s*(?:[-*] |\d+\. |#{1,6} |```)", re.MULTILINE)


def _length(text: str) -> float:
    return math.log(1 + len(text.split()))


def _structure(text: str) -> float:
    return min(len(_STRUCTURE.findall(text)), 6) / 6


@dataclass(frozen=True)
class PreferenceGroup:
    name: str
    describe: str
    utility: Callable[[str], float]


GROUPS = (
    PreferenceGroup("concise", "prefers short, direct answers", lambda t: -_length(t)),
    PreferenceGroup(
        "thorough", "prefers long, detailed answers", lambda t: _length(t) + _structure(t)
    ),
    PreferenceGroup("structured", "prefers Markdown lists and code", lambda t: 3 * _structure(t)),
)
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
COUNTRIES = ("GB", "US", "DE", "IN", "BR", "NG", "JP")


@dataclass
class SimulationResult:
    annotators: int
    judgments: int
    exhausted: bool


def annotators_for(slug: str, n: int, seed: int, rng: random.Random) -> list[int]:
    """The simulated annotators of a run (created once, found again on later runs)."""
    ids = []
    with unit_of_work() as session:
        for i in range(n):
            email = f"sim-{slug}-{seed}-{i}@simulated.invalid"
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                group = GROUPS[i % len(GROUPS)]
                user = create_user(
                    session,
                    email=email,
                    password=None,
                    role=Role.annotator,
                    display_name=f"Simulated {group.name} {i}",
                    languages=["en"],
                    is_synthetic=True,
                    profile={
                        "group": group.name,
                        "age_band": rng.choice(AGE_BANDS),
                        "country": rng.choice(COUNTRIES),
                    },
                )
            ids.append(user.id)
    return ids


def simulate(
    slug: str,
    *,
    annotators: int,
    judgments: int,
    seed: int = 0,
    on_judgment: Callable[[int], None] | None = None,
) -> SimulationResult:
    with unit_of_work() as session:
        is_tree_campaign = spec_of(get_by_slug(session, slug)).trees is not None
    if is_tree_campaign:
        from prefhub.simulation.trees import simulate_trees  # it imports this module

        return simulate_trees(
            slug, annotators=annotators, tasks=judgments, seed=seed, on_task=on_judgment
        )
    rng = random.Random(seed)
    ids = annotators_for(slug, annotators, seed, rng)
    groups = {uid: GROUPS[i % len(GROUPS)] for i, uid in enumerate(ids)}
    active = list(ids)
    done = 0
    while done < judgments and active:
        annotator_id = rng.choice(active)
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            annotator = session.get_one(User, annotator_id)
            task = assignments.next_task(session, campaign, annotator, rng)
            if task is None:
                active.remove(annotator_id)
                continue
            group = groups[annotator_id]
            utilities = [group.utility(plain_text(c.content)) for c in task.candidates]
            answers = {
                q.id: simulated_answer(q, utilities, rng) for q in spec_of(campaign).questions
            }
            submissions.submit(
                session,
                campaign,
                annotator,
                assignment_id=task.assignment.id,
                client_id=f"sim-{seed}-{annotator_id}-{task.assignment.id}",
                answers=answers,
                time_spent_ms=int(rng.lognormvariate(9.5, 0.6)),
            )
        done += 1
        if on_judgment:
            on_judgment(done)
    return SimulationResult(annotators=len(ids), judgments=done, exhausted=not active)
