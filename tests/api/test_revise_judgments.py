"""An annotator revises their own past judgments (POST /api/annotate/{slug}/revise): the latest
revision only, while the campaign is active, stored as a new revision under the current spec."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from support.api import jsonl, pairwise_spec


def _campaign(  # type: ignore[no-untyped-def]
    client, slug: str, n_items: int = 2, gold_first: bool = False, **extra: Any
) -> None:
    spec = pairwise_spec(slug, redundancy=2, **extra)
    assert client.post("/api/campaigns", json=spec).status_code == 201
    rows = [
        {"id": f"i{i}", "prompt": f"Prompt {i}", "candidates": [f"first {i}", f"second {i}"]}
        | ({"gold": True} if i == 0 and gold_first else {})
        for i in range(n_items)
    ]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _submit(client, slug: str, assignment_id: int, answers: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": assignment_id,
            "client_id": str(uuid.uuid4()),
            "answers": answers,
            "time_spent_ms": 10,
        },
    )


def _judge(client, slug: str, choice: str) -> tuple[dict[str, Any], int]:  # type: ignore[no-untyped-def]
    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    submitted = _submit(client, slug, task["assignment_id"], {"preference": {"choice": choice}})
    assert submitted.status_code == 200, submitted.text
    return task, submitted.json()["judgment_id"]


def _revise(client, slug: str, judgment_id: int):  # type: ignore[no-untyped-def]
    return client.post(f"/api/annotate/{slug}/revise", json={"judgment_id": judgment_id})


def _age(db, judgment_id: int) -> None:  # type: ignore[no-untyped-def]
    """Make a judgment a year old: long past any undo window."""
    from prefhub.models import Judgment

    with db() as session:
        session.execute(
            update(Judgment)
            .where(Judgment.id == judgment_id)
            .values(created_at=datetime(2025, 1, 1))
        )


def _error(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]["code"]


def test_an_old_judgment_is_revised_as_a_new_revision_and_exports_its_new_answer(
    as_user, unique, db
):
    from prefhub.exports.tasks import execute_export
    from prefhub.models import Item, Judgment

    slug = f"revise-{unique}"
    researcher = as_user("researcher")
    # No undo window at all: revising does not depend on it.
    _campaign(researcher, slug, undo_seconds=0)
    annotator = as_user()
    first_task, first_id = _judge(annotator, slug, "A")
    _, second_id = _judge(annotator, slug, "A")
    _age(db, first_id)
    undo = annotator.post(f"/api/annotate/{slug}/undo", json={"judgment_id": first_id})
    assert _error(undo) == (409, "undo_expired")

    reopened = _revise(annotator, slug, first_id)
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["task"]["assignment_id"] == first_task["assignment_id"]
    assert body["task"]["item_id"] == first_task["item_id"]
    assert body["previous_answers"]["preference"]["choice"] == "A"
    assert body["revision"] == 1
    assert body["progress"]["my_judgments"] == 2
    # Asking again (a reload) answers the same task.
    again = _revise(annotator, slug, first_id)
    assert again.json()["task"]["assignment_id"] == first_task["assignment_id"]

    revised = _submit(annotator, slug, first_task["assignment_id"], {"preference": {"choice": "B"}})
    assert revised.status_code == 200, revised.text
    revised_id = revised.json()["judgment_id"]
    with db() as session:
        rows = session.scalars(
            select(Judgment)
            .where(Judgment.assignment_id == first_task["assignment_id"])
            .order_by(Judgment.id)
        ).all()
        counts = session.execute(
            select(Item.judgment_count, Item.assigned_count).where(Item.id == first_task["item_id"])
        ).one()
    assert [
        (j.id, j.revision, j.supersedes_id, j.answers["preference"]["choice"]) for j in rows
    ] == [
        (first_id, 0, None, "A"),
        (revised_id, 1, first_id, "B"),
    ]
    assert tuple(counts) == (1, 1)  # one annotator's judgment of the item, counted once

    # Their list keeps an item's revisions together and marks the one that counts.
    listed = annotator.get(f"/api/annotate/{slug}/judgments").json()
    assert [(j["id"], j["revision"], j["latest"]) for j in listed] == [
        (first_id, 0, False),
        (revised_id, 1, True),
        (second_id, 0, True),
    ]
    progress = annotator.get(f"/api/annotate/{slug}/next").json()["progress"]
    assert progress["my_judgments"] == 2

    def export(fmt: str) -> list[dict[str, Any]]:
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt}).json()
        execute_export(job["id"])
        text = researcher.get(f"/api/exports/{job['id']}/files/{fmt}.jsonl").text
        return [json.loads(line) for line in text.splitlines()]

    # The preference export counts each item's judgment once, with the new answer.
    dpo = export("dpo")
    assert sorted(r["metadata"]["judgment_id"] for r in dpo) == sorted([revised_id, second_id])
    (row,) = [r for r in dpo if r["metadata"]["judgment_id"] == revised_id]
    shown = first_task["candidates"]
    chosen_text = shown[1]["content"][0]["text"]  # B
    assert json.dumps(row["chosen"]).count(chosen_text) == 1
    assert chosen_text not in json.dumps(row["rejected"])
    # The raw export keeps the history, the old answer marked as replaced.
    raw = [r for r in export("judgments") if r["judgment_id"] in (first_id, revised_id)]
    assert sorted((r["revision"], r["current"], r["answer"]["choice"]) for r in raw) == [
        (0, False, "A"),
        (1, True, "B"),
    ]


def test_only_your_own_latest_judgment_can_be_revised(as_user, unique):
    slug = f"revise-own-{unique}"
    _campaign(as_user("researcher"), slug)
    annotator, other = as_user(), as_user()
    task, first_id = _judge(annotator, slug, "A")
    assert _error(_revise(other, slug, first_id)) == (404, "judgment_not_found")
    assert _error(_revise(annotator, slug, 2**31 - 1)) == (404, "judgment_not_found")

    assert _revise(annotator, slug, first_id).status_code == 200
    newer = _submit(annotator, slug, task["assignment_id"], {"preference": {"choice": "B"}})
    older = _revise(annotator, slug, first_id)
    assert _error(older) == (409, "judgment_superseded")
    assert older.json()["error"]["details"] == {"latest_judgment_id": newer.json()["judgment_id"]}
    # The newest revision can be revised again (revision 2), and another campaign's slug
    # does not reach it.
    assert _revise(annotator, slug, newer.json()["judgment_id"]).json()["revision"] == 2
    other_slug = f"revise-elsewhere-{unique}"
    _campaign(as_user("researcher"), other_slug)
    assert _error(_revise(annotator, other_slug, newer.json()["judgment_id"])) == (
        404,
        "judgment_not_found",
    )


def test_a_paused_or_closed_campaign_refuses_revisions(as_user, unique):
    slug = f"revise-paused-{unique}"
    researcher = as_user("researcher")
    _campaign(researcher, slug)
    annotator = as_user()
    _, judgment_id = _judge(annotator, slug, "A")

    def status(to: str) -> None:
        changed = researcher.post(f"/api/campaigns/{slug}/status", json={"status": to})
        assert changed.status_code == 200, changed.text

    status("paused")
    assert _error(_revise(annotator, slug, judgment_id)) == (409, "campaign_not_active")
    status("closed")
    assert _error(_revise(annotator, slug, judgment_id)) == (409, "campaign_not_active")
    status("active")
    assert _revise(annotator, slug, judgment_id).status_code == 200


def test_a_revision_is_checked_against_and_stored_under_the_current_spec_version(
    as_user, unique, db
):
    from prefhub.models import Judgment

    slug = f"revise-spec-{unique}"
    researcher = as_user("researcher")
    _campaign(researcher, slug)
    annotator = as_user()
    task, first_id = _judge(annotator, slug, "A")
    honesty = {"kind": "pairwise", "id": "honesty", "prompt": "Which is more honest?"}
    spec = pairwise_spec(slug, redundancy=2)
    spec["questions"].append(honesty)
    edited = researcher.put(f"/api/campaigns/{slug}/spec", json=spec)
    assert edited.status_code == 200, edited.text

    reopened = _revise(annotator, slug, first_id).json()
    # The task asks the current questions; the previous answers are those given under v1.
    assert [q["id"] for q in reopened["task"]["questions"]] == ["preference", "honesty"]
    assert set(reopened["previous_answers"]) == {"preference"}
    # The old answers alone no longer answer every question of the current version.
    stale = _submit(annotator, slug, task["assignment_id"], reopened["previous_answers"])
    assert _error(stale) == (422, "invalid_answer")
    assert stale.json()["error"]["details"][0]["field"] == "answers.honesty"
    answers = {"preference": {"choice": "B"}, "honesty": {"choice": "A"}}
    stored = _submit(annotator, slug, task["assignment_id"], answers)
    assert stored.status_code == 200, stored.text
    with db() as session:
        versions = session.execute(
            select(Judgment.id, Judgment.campaign_version, Judgment.supersedes_id)
            .where(Judgment.assignment_id == task["assignment_id"])
            .order_by(Judgment.id)
        ).all()
    assert [tuple(v) for v in versions] == [
        (first_id, 1, None),
        (stored.json()["judgment_id"], 2, first_id),
    ]
    listed = annotator.get(f"/api/annotate/{slug}/judgments").json()
    assert [(j["campaign_version"], j["latest"]) for j in listed] == [(1, False), (2, True)]


def test_skipping_a_reopened_task_keeps_the_stored_answer(as_user, unique, db):
    from prefhub.models import Assignment, AssignmentStatus, Judgment

    slug = f"revise-keep-{unique}"
    _campaign(as_user("researcher"), slug)
    annotator = as_user()
    task, judgment_id = _judge(annotator, slug, "A")
    assert _revise(annotator, slug, judgment_id).status_code == 200
    kept = annotator.post(
        f"/api/annotate/{slug}/skip", json={"assignment_id": task["assignment_id"], "reason": ""}
    )
    assert kept.status_code == 204, kept.text
    with db() as session:
        status = session.scalar(
            select(Assignment.status).where(Assignment.id == task["assignment_id"])
        )
        judged = session.scalars(
            select(Judgment.id).where(Judgment.assignment_id == task["assignment_id"])
        ).all()
    assert (status, judged) == (AssignmentStatus.submitted, [judgment_id])
    # The re-opened task is no longer held: the next task is the other item.
    following = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert following["item_id"] != task["item_id"]
    # Skipping it again is what it was before: the task is submitted.
    again = annotator.post(
        f"/api/annotate/{slug}/skip", json={"assignment_id": task["assignment_id"], "reason": ""}
    )
    assert _error(again) == (409, "already_submitted")


def test_a_gold_item_is_revisable_like_any_other(as_user, unique):
    # Refusing would tell annotators which items are attention checks.
    slug = f"revise-gold-{unique}"
    _campaign(as_user("researcher"), slug, n_items=1, gold_first=True)
    annotator = as_user()
    task, judgment_id = _judge(annotator, slug, "A")
    reopened = _revise(annotator, slug, judgment_id)
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["task"]["item_id"] == task["item_id"]
