"""Annotator reliability on a planted population: a 15% minority that consistently prefers the
other candidate is not scored low, while spammers are; the old leave-one-out ``reliability``
of the annotators export would rank the minority with the spammers."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from sqlalchemy import select

from support.api import items, jsonl, pairwise_spec
from support.reliability_population import Population, plant

# 40 annotators: 28 majority, 6 minority (15%), 6 spammers of three kinds.
COUNTS = {"majority": 28, "minority": 6, "random": 2, "left": 2, "fast": 2}
PER_ANNOTATOR = 40
JUDGES = 8


def _campaign(researcher: Any, slug: str, **spec: Any) -> None:
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, JUDGES, **spec))
    assert created.status_code == 201, created.text
    n_items = sum(COUNTS.values()) * PER_ANNOTATOR // JUDGES
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(n_items)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


@pytest.fixture
def population(as_user, db, unique) -> tuple[Any, Population]:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"reliable-{unique}"
    _campaign(researcher, slug)
    return researcher, plant(
        db, slug, COUNTS, items_per_annotator=PER_ANNOTATOR, judges_per_item=JUDGES
    )


def _report(db: Any, population: Population) -> Any:
    from prefhub.models import Campaign
    from prefhub.quality.reliability import compute

    with db() as session:
        return compute(session, session.get_one(Campaign, population.campaign_id))


def _leave_one_out(population: Population) -> dict[int, float]:
    """The annotators export's ``reliability``: agreement with the others' plurality."""
    from prefhub.exports.consensus import agreement_with_others

    by_item: dict[int, list[tuple[int, list[int]]]] = {}
    for item_id, annotator, order in population.orders:
        by_item.setdefault(item_id, []).append((annotator, order))
    compared: dict[int, int] = {}
    agreed: dict[int, int] = {}
    for judged in by_item.values():
        tiers = [[[winner], [loser]] for _, (winner, loser) in judged]
        for (annotator, _), (c, a) in zip(judged, agreement_with_others(tiers), strict=True):
            compared[annotator] = compared.get(annotator, 0) + c
            agreed[annotator] = agreed.get(annotator, 0) + a
    return {a: agreed[a] / compared[a] for a in compared if compared[a]}


def test_a_consistent_minority_scores_like_the_majority_and_spammers_score_low(
    population, db
) -> None:  # type: ignore[no-untyped-def]
    _, planted = population
    report = _report(db, planted)
    scores = {a: r.score for a, r in report.annotators.items()}
    peer = {a: r.evidence["peer_agreement"].value for a, r in report.annotators.items()}
    honest = planted.of("majority") + planted.of("minority")
    spammers = planted.of("random") + planted.of("left") + planted.of("fast")

    # Pluralism-safe: the minority's peer agreement and score are the majority's.
    minority_peer = statistics.mean(peer[a] for a in planted.of("minority"))
    majority_peer = statistics.mean(peer[a] for a in planted.of("majority"))
    assert minority_peer > 0.5 and abs(minority_peer - majority_peer) < 0.2
    assert min(scores[a] for a in honest) > max(scores[a] for a in spammers)
    assert all(scores[a] >= 0.6 for a in planted.of("minority")), scores
    assert all(scores[a] < 0.5 for a in spammers), {a: scores[a] for a in spammers}

    # The contrast: leave-one-out agreement puts every minority annotator below every
    # majority one, down with the spammers.
    old = _leave_one_out(planted)
    assert max(old[a] for a in planted.of("minority")) < min(old[a] for a in planted.of("majority"))
    assert statistics.mean(old[a] for a in planted.of("minority")) < 0.35


def test_each_spammer_kind_shows_in_its_own_measure(population, db) -> None:  # type: ignore[no-untyped-def]
    _, planted = population
    report = _report(db, planted)
    evidence = {a: r.evidence for a, r in report.annotators.items()}
    for a in planted.of("left"):
        assert evidence[a]["left_share"].value == 1.0
        assert evidence[a]["position_bias_p"].value < 1e-6
        assert evidence[a]["left_share"].n == PER_ANNOTATOR
    for a in planted.of("fast"):
        assert evidence[a]["speed_ratio"].value < 0.2
    for a in planted.of("majority"):
        assert 0.5 < evidence[a]["speed_ratio"].value < 2
        assert evidence[a]["position_bias_p"].value > 0.001
    for a in planted.of("random"):
        assert evidence[a]["peer_agreement"].value < 0.35
        assert evidence[a]["peer_agreement"].n > 10


RULES = [
    {"measure": "position_bias_p", "below": 0.001, "min_evidence": 20, "action": "exclude"},
    {"measure": "score", "below": 0.5, "min_evidence": 20, "action": "flag"},
]


@pytest.fixture
def ruled(as_user, db, unique) -> tuple[Any, Population]:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"ruled-{unique}"
    _campaign(researcher, slug, quality={"rules": RULES})
    return researcher, plant(
        db, slug, COUNTS, items_per_annotator=PER_ANNOTATOR, judges_per_item=JUDGES
    )


def test_rules_flag_and_exclude_spammers_and_spare_the_minority(ruled, db) -> None:  # type: ignore[no-untyped-def]
    _, planted = ruled
    from prefhub.models import Campaign, CampaignParticipant
    from prefhub.quality.rules import apply_rules

    with db() as session:
        changes = apply_rules(session, session.get_one(Campaign, planted.campaign_id))
    changed = {c.user_id: c for c in changes}
    assert set(changed) == set(planted.of("random") + planted.of("left") + planted.of("fast"))
    with db() as session:
        rows = {
            p.user_id: p
            for p in session.scalars(
                select(CampaignParticipant).where(
                    CampaignParticipant.campaign_id == planted.campaign_id
                )
            )
        }
    for a in planted.of("left"):
        assert (rows[a].standing, rows[a].standing_source) == ("excluded", "rule")
        assert "position bias p-value" in rows[a].standing_reason
        assert f"after {PER_ANNOTATOR} pairwise answers" in rows[a].standing_reason
    for a in planted.of("random") + planted.of("fast"):
        assert rows[a].standing == "flagged"
        assert rows[a].standing_reason.startswith("score 0.")
    for a in planted.of("majority") + planted.of("minority"):
        assert a not in rows or rows[a].standing == "ok"

    # Applying them again changes nothing.
    with db() as session:
        assert apply_rules(session, session.get_one(Campaign, planted.campaign_id)) == []
