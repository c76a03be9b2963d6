"""Synthetic annotators judging a campaign through the real services: items here, trees in
``simulation.trees``. The annotators and their preference groups are in ``simulation.annotators``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from prefhub.assignments import service as assignments
from prefhub.assignments import submissions
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.kit.content import plain_text
from prefhub.kit.db import unit_of_work
from prefhub.models import User
from prefhub.simulation.annotators import GROUPS, SimulationResult, annotators_for
from prefhub.simulation.answers import answer_screen
from prefhub.simulation.trees import simulate_trees


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
            texts = [plain_text(c.content) for c in task.candidates]
            utilities = [group.utility(text) for text in texts]
            answers = answer_screen(spec_of(campaign).questions, group, texts, utilities, rng)
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
