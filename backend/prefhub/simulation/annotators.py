"""Synthetic annotators from a few latent preference groups, shared by item and tree runs.

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
from sqlalchemy.orm import Session

from prefhub.auth.service import create_user
from prefhub.kit.db import unit_of_work
from prefhub.models import Role, User

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
    with unit_of_work() as session:
        return [
            synthetic_annotator(
                session,
                f"sim-{slug}-{seed}-{i}@simulated.invalid",
                f"Simulated {GROUPS[i % len(GROUPS)].name} {i}",
                GROUPS[i % len(GROUPS)].name,
                rng,
            ).id
            for i in range(n)
        ]


def synthetic_annotator(
    session: Session, email: str, display_name: str, group: str, rng: random.Random
) -> User:
    """The synthetic annotator with this e-mail, created on first use with a profile naming
    their group and a random age band and country."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(
            session,
            email=email,
            password=None,
            role=Role.annotator,
            display_name=display_name,
            languages=["en"],
            is_synthetic=True,
            profile={
                "group": group,
                "age_band": rng.choice(AGE_BANDS),
                "country": rng.choice(COUNTRIES),
            },
        )
    return user
