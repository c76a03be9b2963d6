"""A campaign's lifecycle over REST: draft → active ⇄ paused → closed → archived → deleted."""

from __future__ import annotations

import uuid

import pytest

from support.api import create_campaign_with_items, items, jsonl, pairwise_spec

STATUSES = ("draft", "active", "paused", "closed", "archived")
ALLOWED = {
    ("draft", "active"),
    ("active", "paused"),
    ("active", "closed"),
    ("paused", "active"),
    ("paused", "closed"),
    ("closed", "archived"),
    ("closed", "active"),
    ("archived", "closed"),
}
# The shortest way from a new draft to each status.
PATH_TO = {
    "draft": [],
    "active": ["active"],
    "paused": ["active", "paused"],
    "closed": ["active", "closed"],
    "archived": ["active", "closed", "archived"],
}


def _set(client, slug: str, status: str):
    return client.post(f"/api/campaigns/{slug}/status", json={"status": status})


def _draft(client, slug: str, n_items: int = 2) -> None:
    created = client.post("/api/campaigns", json={**pairwise_spec(slug), "status": "draft"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    if n_items:
        imported = client.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("i.jsonl", jsonl(items(n_items)))},
        )
        assert imported.status_code == 201, imported.text


def _move(client, slug: str, to: str) -> None:
    for step in PATH_TO[to]:
        moved = _set(client, slug, step)
        assert moved.status_code == 200, moved.text


def _submit(client, slug: str, assignment_id: int):
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": assignment_id,
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        },
    )


def _listed(client) -> dict[str, str]:
    campaigns = client.get("/api/annotate/campaigns").json()["campaigns"]
    return {c["slug"]: c["status"] for c in campaigns}


def test_new_campaigns_are_active_unless_created_as_drafts(as_user, unique):
    researcher = as_user("researcher")
    plain = researcher.post("/api/campaigns", json=pairwise_spec(f"plain-{unique}"))
    assert plain.json()["status"] == "active"
    draft = researcher.post(
        "/api/campaigns", json={**pairwise_spec(f"draft-{unique}"), "status": "draft"}
    )
    assert draft.json()["status"] == "draft"
    assert "status" not in draft.json()["spec"]
    paused = researcher.post(
        "/api/campaigns", json={**pairwise_spec(f"paused-{unique}"), "status": "paused"}
    )
    assert paused.status_code == 422


@pytest.mark.parametrize("start", STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(as_user, unique, start):
    researcher = as_user("researcher")
    for target in STATUSES:
        slug = f"t-{start}-{target}-{unique}"
        _draft(researcher, slug, n_items=0)
        _move(researcher, slug, start)
        allowed = {t for s, t in ALLOWED if s == start}
        assert set(researcher.get(f"/api/campaigns/{slug}").json()["transitions"]) == allowed
        response = _set(researcher, slug, target)
        if (start, target) in ALLOWED:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == target
        else:
            assert response.status_code == 409, (start, target)
            error = response.json()["error"]
            assert error["code"] == "invalid_transition"
            assert error["details"]["from"] == start
            assert error["details"]["to"] == target
            assert set(error["details"]["allowed"]) == allowed
            assert researcher.get(f"/api/campaigns/{slug}").json()["status"] == start


def test_annotators_see_only_active_and_paused_campaigns(as_user, unique):
    researcher, annotator = as_user("researcher"), as_user()
    slugs = {status: f"vis-{status}-{unique}" for status in STATUSES}
    for status, slug in slugs.items():
        _draft(researcher, slug)
        _move(researcher, slug, status)

    listed = _listed(annotator)
    assert {slug: listed.get(slug) for slug in slugs.values()} == {
        slugs["draft"]: None,
        slugs["active"]: "active",
        slugs["paused"]: "paused",
        slugs["closed"]: None,
        slugs["archived"]: None,
    }
    assert annotator.get(f"/api/annotate/{slugs['active']}/next").json()["task"] is not None
    paused = annotator.get(f"/api/annotate/{slugs['paused']}/next")
    assert (paused.status_code, paused.json()["error"]["code"]) == (409, "campaign_not_active")
    assert "paused" in paused.json()["error"]["message"]
    closed = annotator.get(f"/api/annotate/{slugs['closed']}/next")
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "campaign_not_active")
    for hidden in ("draft", "archived"):
        response = annotator.get(f"/api/annotate/{slugs[hidden]}/next")
        assert (response.status_code, response.json()["error"]["code"]) == (
            404,
            "campaign_not_found",
        )
    # Crowd links open only while the campaign is active.
    for status in ("draft", "paused", "closed", "archived"):
        entered = annotator.post(
            f"/api/crowd/{slugs[status]}/enter", json={"params": {"PROLIFIC_PID": "p1"}}
        )
        assert entered.json()["error"]["code"] == "crowd_entry_not_found", status


def test_researchers_list_every_status_and_archived_ones_on_request(as_user, unique):
    researcher = as_user("researcher")
    slugs = {status: f"rl-{status}-{unique}" for status in STATUSES}
    for status, slug in slugs.items():
        _draft(researcher, slug, n_items=0)
        _move(researcher, slug, status)
    default = {c["slug"]: c["status"] for c in researcher.get("/api/campaigns").json()["campaigns"]}
    assert default == {slug: status for status, slug in slugs.items() if status != "archived"}
    everything = researcher.get("/api/campaigns", params={"include_archived": "true"}).json()
    assert {c["slug"]: c["status"] for c in everything["campaigns"]} == {
        slug: status for status, slug in slugs.items()
    }


@pytest.mark.parametrize("stop", ["paused", "closed"])
def test_a_task_leased_before_a_pause_or_close_is_still_stored(as_user, unique, db, stop):
    from sqlalchemy import select

    from prefhub.models import Judgment

    researcher, annotator = as_user("researcher"), as_user()
    slug = f"lease-{stop}-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2)
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert _set(researcher, slug, stop).status_code == 200
    assert researcher.get(f"/api/campaigns/{slug}").json()["status"] == stop
    # A reload gives the held task back (its answers are not lost); nobody else gets one.
    reloaded = annotator.get(f"/api/annotate/{slug}/next")
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["task"]["assignment_id"] == task["assignment_id"]
    other = as_user().get(f"/api/annotate/{slug}/next")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "campaign_not_active")

    submitted = _submit(annotator, slug, task["assignment_id"])
    assert submitted.status_code == 200, submitted.text
    with db() as session:
        stored = session.scalar(
            select(Judgment.assignment_id).where(Judgment.id == submitted.json()["judgment_id"])
        )
    assert stored == task["assignment_id"]
    assert researcher.get(f"/api/campaigns/{slug}").json()["progress"]["judgments"] == 1
    # …and no new task is handed out; the refusal names the status (the task screen says it).
    again = annotator.get(f"/api/annotate/{slug}/next")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "campaign_not_active")
    assert again.json()["error"]["details"] == {"status": stop}


def test_a_tree_task_leased_before_a_pause_is_still_stored(as_user, unique):
    researcher, writer = as_user("researcher"), as_user()
    slug = f"tree-{unique}"
    spec = {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "labels", "target": "prompt"}],
        "trees": {"goal_tree_size": 4, "max_depth": 2, "max_children": 2},
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    task = writer.get(f"/api/annotate/{slug}/tree-tasks/next").json()["task"]
    assert _set(researcher, slug, "paused").status_code == 200
    reloaded = writer.get(f"/api/annotate/{slug}/tree-tasks/next")
    assert reloaded.status_code == 200 and reloaded.json()["task"]["id"] == task["id"]

    written = writer.post(
        f"/api/annotate/{slug}/tree-tasks/{task['id']}/submit",
        json={
            "client_id": str(uuid.uuid4()),
            "answer": {"kind": task["kind"], "text": "A prompt written before the pause."},
            "time_spent_ms": 1000,
        },
    )
    assert written.status_code == 200, written.text
    trees = researcher.get(f"/api/campaigns/{slug}/trees").json()["trees"]
    assert [t["prompt"] for t in trees] == ["A prompt written before the pause."]
    refused = writer.get(f"/api/annotate/{slug}/tree-tasks/next")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "campaign_not_active")


def test_a_closed_campaign_refuses_edits_and_imports_but_exports(as_user, unique):
    from prefhub.exports.tasks import execute_export

    researcher = as_user("researcher")
    slug = f"closed-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2)
    assert _set(researcher, slug, "closed").status_code == 200

    edit = researcher.put(f"/api/campaigns/{slug}/spec", json=pairwise_spec(slug, redundancy=3))
    assert (edit.status_code, edit.json()["error"]["code"]) == (409, "campaign_closed")
    for route in ("import", "import-jobs"):
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/{route}", files={"file": ("i.jsonl", jsonl(items(1)))}
        )
        assert (imported.status_code, imported.json()["error"]["code"]) == (409, "campaign_closed")
    detail = researcher.get(f"/api/campaigns/{slug}").json()
    assert (detail["version"], detail["progress"]["items"]) == (1, 2)

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    assert researcher.get(f"/api/exports/{job.json()['id']}").json()["status"] == "succeeded"

    # Reopened, it may be edited again.
    assert _set(researcher, slug, "active").status_code == 200
    assert (
        researcher.put(f"/api/campaigns/{slug}/spec", json=pairwise_spec(slug)).status_code == 200
    )


def test_an_empty_draft_is_deleted_with_its_items(as_user, unique, db):
    from sqlalchemy import func, select

    from prefhub.models import Item

    researcher = as_user("researcher")
    slug = f"del-{unique}"
    _draft(researcher, slug, n_items=3)
    detail = researcher.get(f"/api/campaigns/{slug}").json()
    assert detail["contents"] == {
        "items": 3,
        "judgments": 0,
        "trees": 0,
        "exports": 0,
    }
    assert detail["deletable"] is True
    assert researcher.delete(f"/api/campaigns/{slug}").status_code == 204
    assert researcher.get(f"/api/campaigns/{slug}").status_code == 404
    with db() as session:
        left = session.scalar(
            select(func.count()).select_from(Item).where(Item.campaign_id == detail["id"])
        )
    assert left == 0
    assert slug not in {c["slug"] for c in researcher.get("/api/campaigns").json()["campaigns"]}


def test_only_draft_or_archived_campaigns_may_be_deleted(as_user, unique):
    researcher = as_user("researcher")
    for status in ("active", "paused", "closed"):
        slug = f"nd-{status}-{unique}"
        _draft(researcher, slug, n_items=0)
        _move(researcher, slug, status)
        assert researcher.get(f"/api/campaigns/{slug}").json()["deletable"] is False
        refused = researcher.delete(f"/api/campaigns/{slug}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            409,
            "campaign_not_deletable",
        )


def test_a_campaign_with_judgments_is_deleted_only_with_a_matching_confirmation(
    as_user, unique, db
):
    from sqlalchemy import func, select

    from prefhub.models import Assignment, Campaign, ExportJob, Item, Judgment

    researcher, annotator = as_user("researcher"), as_user()
    slug = f"full-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3)
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert _submit(annotator, slug, task["assignment_id"]).status_code == 200
    assert researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).is_success
    assert _set(researcher, slug, "closed").status_code == 200
    assert _set(researcher, slug, "archived").status_code == 200
    campaign_id = researcher.get(f"/api/campaigns/{slug}").json()["id"]

    refused = researcher.delete(f"/api/campaigns/{slug}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "campaign_not_empty")
    assert refused.json()["error"]["details"] == {
        "items": 3,
        "judgments": 1,
        "trees": 0,
        "exports": 1,
    }
    for params in ({"confirm": slug, "judgments": 0}, {"confirm": "other", "judgments": 1}):
        wrong = researcher.delete(f"/api/campaigns/{slug}", params=params)
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "confirmation_mismatch")
    assert researcher.get(f"/api/campaigns/{slug}").status_code == 200

    deleted = researcher.delete(f"/api/campaigns/{slug}", params={"confirm": slug, "judgments": 1})
    assert deleted.status_code == 204, deleted.text
    with db() as session:
        left = {
            model.__name__: session.scalar(
                select(func.count()).select_from(model).where(column == campaign_id)
            )
            for model, column in (
                (Campaign, Campaign.id),
                (Item, Item.campaign_id),
                (Assignment, Assignment.campaign_id),
                (Judgment, Judgment.campaign_id),
                (ExportJob, ExportJob.campaign_id),
            )
        }
    assert set(left.values()) == {0}, left


def test_another_researcher_can_neither_change_nor_delete_the_campaign(as_user, unique):
    alice, bob = as_user("researcher"), as_user("researcher")
    slug = f"mine-{unique}"
    _draft(alice, slug, n_items=0)
    for response in (_set(bob, slug, "active"), bob.delete(f"/api/campaigns/{slug}")):
        assert (response.status_code, response.json()["error"]["code"]) == (
            404,
            "campaign_not_found",
        )
    assert alice.get(f"/api/campaigns/{slug}").json()["status"] == "draft"
