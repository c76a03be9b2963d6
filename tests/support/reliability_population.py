"""A planted annotator population written straight into the database, for the reliability
tests: a majority that prefers one candidate of each item, a minority that consistently
prefers the other, and spammers (random clickers, always-"A" clickers, too-fast clickers).

Each item's preferred candidate (the majority's) is drawn at random, candidates are shown in
a random order per judgment (as the assignment engine does), and honest annotators slip now
and then.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

KINDS = ("majority", "minority", "random", "left", "fast")


@dataclass
class Population:
    slug: str
    campaign_id: int
    kinds: dict[int, str] = field(default_factory=dict)  # user id -> kind
    names: dict[int, str] = field(default_factory=dict)  # user id -> e-mail
    # per judgment: (item id, annotator, [winner, loser] candidate ids)
    orders: list[tuple[int, int, list[int]]] = field(default_factory=list)

    def of(self, kind: str) -> list[int]:
        return sorted(a for a, k in self.kinds.items() if k == kind)


def plant(
    db: Callable[..., Any],
    slug: str,
    counts: dict[str, int],
    *,
    items_per_annotator: int = 40,
    judges_per_item: int = 8,
    slip: float = 0.1,
    seed: int = 7,
    email_domain: str = "example.org",
) -> Population:
    """Annotators of each kind in ``counts`` judge the campaign ``slug``'s items (it exists,
    with a pairwise question ``preference`` and two candidates per item)."""
    from sqlalchemy import select

    from prefhub.auth.service import create_user
    from prefhub.kit.time import utcnow
    from prefhub.models import (
        Assignment,
        AssignmentStatus,
        Campaign,
        Candidate,
        Item,
        Judgment,
        Role,
    )

    rng = random.Random(seed)
    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        population = Population(slug, campaign.id)
        tag = uuid.uuid4().hex[:6]
        for kind in KINDS:
            for i in range(counts.get(kind, 0)):
                email = f"{kind}-{i}-{tag}@{email_domain}"
                user = create_user(session, email=email, password=None, role=Role.annotator)
                population.kinds[user.id] = kind
                population.names[user.id] = email
        items = list(
            session.execute(select(Item.id).where(Item.campaign_id == campaign.id)).scalars()
        )
        candidates: dict[int, list[int]] = {}
        for item_id, candidate_id in session.execute(
            select(Candidate.item_id, Candidate.id)
            .where(Candidate.item_id.in_(items))
            .order_by(Candidate.position)
        ):
            candidates.setdefault(item_id, []).append(candidate_id)
        preferred = {item_id: rng.randrange(2) for item_id in items}
        annotators = sorted(population.kinds)
        total = len(annotators) * items_per_annotator
        judged: dict[int, set[int]] = {}
        load = dict.fromkeys(annotators, 0)
        now = utcnow() - timedelta(hours=2)
        for n in range(total):
            item_id = items[n % len(items)]
            who = judged.setdefault(item_id, set())
            if len(who) >= judges_per_item:
                continue
            free = [a for a in annotators if a not in who and load[a] < items_per_annotator]
            if not free:
                continue
            annotator = rng.choice(free)
            who.add(annotator)
            load[annotator] += 1
            pair = candidates[item_id][:2]
            shown = pair if rng.random() < 0.5 else pair[::-1]
            kind = population.kinds[annotator]
            favourite = pair[preferred[item_id]]
            if kind == "minority":
                favourite = pair[1 - preferred[item_id]]
            if kind in ("majority", "minority") and rng.random() < slip:
                favourite = pair[0] if favourite == pair[1] else pair[1]
            if kind in ("random", "fast"):
                choice = rng.choice("AB")
            elif kind == "left":
                choice = "A"
            else:
                choice = "A" if shown[0] == favourite else "B"
            winner = shown[0] if choice == "A" else shown[1]
            loser = shown[1] if choice == "A" else shown[0]
            population.orders.append((item_id, annotator, [winner, loser]))
            spent = rng.randint(400, 900) if kind == "fast" else rng.randint(5000, 20000)
            at = now + timedelta(seconds=n)
            assignment = Assignment(
                campaign_id=campaign.id,
                item_id=item_id,
                annotator_id=annotator,
                status=AssignmentStatus.submitted,
                shown_order=shown,
                expires_at=at,
                finished_at=at,
            )
            session.add(assignment)
            session.flush()
            session.add(
                Judgment(
                    client_id=uuid.uuid4().hex,
                    assignment_id=assignment.id,
                    campaign_id=campaign.id,
                    item_id=item_id,
                    annotator_id=annotator,
                    campaign_version=campaign.version,
                    answers={"preference": {"choice": choice}},
                    shown_order=shown,
                    time_spent_ms=spent,
                    created_at=at,
                )
            )
        session.flush()
    return population
