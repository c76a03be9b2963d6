"""The background half of the rules: the task applies a campaign's rules in its own
transaction, and each round sends it for the active campaigns that set rules only."""

from __future__ import annotations

from sqlalchemy import select

from support.api import items, jsonl, judge_next, pairwise_spec

RULE = {"measure": "left_share", "above": 0.9, "min_evidence": 5, "action": "exclude"}


def _campaign(researcher, slug: str, **spec) -> None:  # type: ignore[no-untyped-def]
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, 1, **spec))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(8)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def test_the_task_excludes_by_rule_and_rounds_cover_ruled_active_campaigns(
    as_user, unique, db
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign, CampaignParticipant
    from prefhub.quality.tasks import apply_rules_task, ruled_campaigns

    researcher = as_user("researcher")
    ruled, plain = f"task-ruled-{unique}", f"task-plain-{unique}"
    _campaign(researcher, ruled, quality={"rules": [RULE]})
    _campaign(researcher, plain)
    clicker = as_user("annotator")
    for _ in range(6):
        judge_next(clicker, ruled, {"preference": {"choice": "A"}})
    with db() as session:
        ids = {
            c.slug: c.id
            for c in session.scalars(select(Campaign).where(Campaign.slug.in_([ruled, plain])))
        }
    assert ids[ruled] in ruled_campaigns() and ids[plain] not in ruled_campaigns()

    assert apply_rules_task.run(ids[ruled]) == 1
    with db() as session:
        row = session.scalars(
            select(CampaignParticipant).where(
                CampaignParticipant.campaign_id == ids[ruled],
                CampaignParticipant.user_id == clicker.user_id,
            )
        ).one()
        assert (row.standing, row.standing_source) == ("excluded", "rule")
        assert row.standing_reason == "left share 1.00 > 0.9 after 6 pairwise answers"
    assert apply_rules_task.run(ids[ruled]) == 0
    assert clicker.get(f"/api/annotate/{ruled}/next").json()["error"]["code"] == (
        "annotator_excluded"
    )

    paused = researcher.post(f"/api/campaigns/{ruled}/status", json={"status": "paused"})
    assert paused.status_code == 200, paused.text
    assert ids[ruled] not in ruled_campaigns()
    assert apply_rules_task.run(ids[ruled]) == 0
