"""Peer agreement stays pluralism-safe when annotators share few items (issue 17, point 3).

The population of the planted-spammers bench, written straight into the database: 200
annotators, 24 tasks each, contested items judged by K=3 people and 40 % of the tasks on
consensus items (a clearly broken candidate, judged by about 50 people each, as gold items
are). 150 prefer one candidate of each contested item, a 15 % minority (30) prefers the
other, and 20 spammers click at random (A or B), always "A", or at random quickly. No
groups are known: the reliability pass must find the minority's viewpoint from the answers.

A minority member then shares a contested item with another minority member about 4 times
in 14; fitting each viewpoint's truths alone gave the minority a median peer agreement of
0.15 against 0.8 for the majority (inside the spammers' range), so a rule on
``peer_agreement`` alone would have excluded them. With the viewpoints' truths linked
across the campaign their medians are within 0.15 of each other, and the spammers' stays
far below both.
"""

from __future__ import annotations

import random
import statistics
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from support.api import items, jsonl, pairwise_spec

COUNTS = {"majority": 150, "minority": 30, "random": 7, "left": 7, "fast": 6}
TASKS_EACH = 24
K = 3
CONSENSUS_SHARE = 0.4
CONSENSUS_ITEMS = 40
SLIP = 0.1
SPAMMERS = ("random", "left", "fast")


def _plant(db: Any, slug: str, seed: int) -> dict[int, str]:
    """Every annotator's judgments as the module docstring says; user id -> kind."""
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
    kinds: dict[int, str] = {}
    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        tag = uuid.uuid4().hex[:6]
        for kind, count in COUNTS.items():
            for i in range(count):
                user = create_user(
                    session,
                    email=f"{kind}-{i}-{tag}@example.org",
                    password=None,
                    role=Role.annotator,
                )
                kinds[user.id] = kind
        pairs: dict[int, list[int]] = {}
        for item_id, candidate_id in session.execute(
            select(Candidate.item_id, Candidate.id)
            .join(Item, Item.id == Candidate.item_id)
            .where(Item.campaign_id == campaign.id)
            .order_by(Candidate.item_id, Candidate.position)
        ):
            pairs.setdefault(item_id, []).append(candidate_id)
        ordered = sorted(pairs)
        consensus, contested = ordered[:CONSENSUS_ITEMS], ordered[CONSENSUS_ITEMS:]
        preferred = {item_id: rng.randrange(2) for item_id in ordered}
        judged: dict[int, set[int]] = {item_id: set() for item_id in ordered}
        turns = [a for a in kinds for _ in range(TASKS_EACH)]
        rng.shuffle(turns)
        start = utcnow() - timedelta(hours=3)
        rows: list[tuple[Assignment, Judgment]] = []
        open_items = iter(contested)
        current = next(open_items)
        for n, annotator in enumerate(turns):
            if rng.random() < CONSENSUS_SHARE:
                item_id = rng.choice([i for i in consensus if annotator not in judged[i]])
            else:
                while len(judged[current]) >= K:
                    current = next(open_items)
                item_id = next(
                    i
                    for i in contested[contested.index(current) :]
                    if len(judged[i]) < K and annotator not in judged[i]
                )
            judged[item_id].add(annotator)
            kind = kinds[annotator]
            pair = pairs[item_id][:2]
            favourite = preferred[item_id]
            if kind == "minority" and item_id not in consensus:
                favourite = 1 - favourite
            if kind in ("majority", "minority") and rng.random() < SLIP:
                favourite = 1 - favourite
            shown = pair if rng.random() < 0.5 else pair[::-1]
            if kind in ("random", "fast"):
                choice = rng.choice("AB")
            elif kind == "left":
                choice = "A"
            else:
                choice = "A" if shown[0] == pair[favourite] else "B"
            at = start + timedelta(seconds=n)
            spent = rng.randint(400, 900) if kind == "fast" else rng.randint(5000, 20000)
            assignment = Assignment(
                campaign_id=campaign.id,
                item_id=item_id,
                annotator_id=annotator,
                status=AssignmentStatus.submitted,
                shown_order=shown,
                expires_at=at,
                finished_at=at,
            )
            judgment = Judgment(
                client_id=uuid.uuid4().hex,
                campaign_id=campaign.id,
                item_id=item_id,
                annotator_id=annotator,
                campaign_version=campaign.version,
                answers={"preference": {"choice": choice}},
                shown_order=shown,
                time_spent_ms=spent,
                created_at=at,
            )
            rows.append((assignment, judgment))
        session.add_all([a for a, _ in rows])
        session.flush()
        for assignment, judgment in rows:
            judgment.assignment_id = assignment.id
        session.add_all([j for _, j in rows])
        session.flush()
    return kinds


@pytest.fixture
def sparse(as_user, db, unique) -> tuple[int, dict[int, str]]:  # type: ignore[no-untyped-def]
    """(campaign id, user id -> kind) of a campaign the population judged."""
    from prefhub.models import Campaign

    researcher = as_user("researcher")
    slug = f"sparse-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, K))
    assert created.status_code == 201, created.text
    total = sum(COUNTS.values()) * TASKS_EACH
    n_items = CONSENSUS_ITEMS + int(total * (1 - CONSENSUS_SHARE) / K * 1.2)
    for part in ("a", "b"):  # a direct import takes at most 1,000 items
        rows = items(n_items // 2 + 1, prefix=part)
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
        )
        assert imported.status_code == 201, imported.text
    kinds = _plant(db, slug, seed=11)
    with db() as session:
        campaign_id = session.scalars(select(Campaign.id).where(Campaign.slug == slug)).one()
    return campaign_id, kinds


def test_a_minority_keeps_the_majoritys_peer_agreement_at_sparse_overlap(sparse, db) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign
    from prefhub.quality.reliability import compute

    campaign_id, kinds = sparse
    with db() as session:
        report = compute(session, session.get_one(Campaign, campaign_id))
    peer = {a: report.annotators[a].evidence["peer_agreement"] for a in kinds}
    # Every honest annotator's measure rests on their contested items and consensus items.
    assert all(peer[a].n >= 10 for a in kinds if kinds[a] in ("majority", "minority"))

    def median(*of: str) -> float:
        return statistics.median(peer[a].value or 0.0 for a in kinds if kinds[a] in of)

    majority, minority, spammers = median("majority"), median("minority"), median(*SPAMMERS)
    summary = f"majority {majority:.2f}, minority {minority:.2f}, spammers {spammers:.2f}"
    assert majority > 0.6, summary
    assert abs(minority - majority) < 0.15, summary
    assert spammers < min(majority, minority) - 0.3, summary
    # The minority was found as a viewpoint of its own: most of it is named like one.
    groups = [report.annotators[a].group for a in kinds if kinds[a] == "minority"]
    majority_group = statistics.mode(
        report.annotators[a].group for a in kinds if kinds[a] == "majority"
    )
    assert sum(g != majority_group for g in groups) >= 0.9 * len(groups), summary


def test_annotators_outside_every_given_group_are_still_scored() -> None:
    from prefhub.quality import mace

    rng = random.Random(3)
    answers: list[mace.Answer] = []
    for unit in range(300):
        truth = rng.choice(["first", "second"])
        for annotator in rng.sample(range(12), 4):
            slip = rng.random() < 0.1
            answers.append((unit, annotator, truth if not slip else "tie"))
    # Nobody is in a group given, or only some are: everyone answered, everyone is scored.
    for start in ([], [{0, 1, 2}]):
        found = mace.scored(answers, start)
        assert set(found) == set(range(12))
        assert all(c.n > 50 and c.theta > 0.7 for c in found.values()), found
