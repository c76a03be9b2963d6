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
