"""Assignment engine rules beyond the basics: undo, report, eligibility, quotas, lease caps,
subsets of many candidates, and the raw judgments export of every kind."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import select, update

from support.api import jsonl


def _campaign(client, slug, questions, n_items=3, candidates=2, **extra):
    spec = {"name": slug, "slug": slug, "questions": questions, "redundancy": 2} | extra
    created = client.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    rows = [
        {"id": f"i{i}", "prompt": f"P{i}", "candidates": [f"c{i}-{j}" for j in range(candidates)]}
        for i in range(n_items)
    ]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _submit(client, slug, task, answers):
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": answers,
            "time_spent_ms": 10,
        },
    )


def test_undo_reopens_the_task_and_the_resubmission_is_a_new_revision(as_user, unique, db):
    from prefhub.models import Item, Judgment

    slug = f"undo-{unique}"
    researcher = as_user("researcher")
    _campaign(researcher, slug, [{"kind": "pairwise"}], n_items=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    first = _submit(annotator, slug, task, {"preference": {"choice": "A"}}).json()
    assert first["undo_until"] is not None
    undone = annotator.post(
        f"/api/annotate/{slug}/undo", json={"judgment_id": first["judgment_id"]}
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["task"]["assignment_id"] == task["assignment_id"]
    assert undone.json()["previous_answers"]["preference"]["choice"] == "A"
    second = _submit(annotator, slug, task, {"preference": {"choice": "B"}}).json()
    with db() as session:
        rows = session.scalars(
            select(Judgment)
            .where(Judgment.assignment_id == task["assignment_id"])
            .order_by(Judgment.id)
        ).all()
        counts = session.execute(
            select(Item.judgment_count, Item.assigned_count).where(Item.id == task["item_id"])
        ).one()
    assert [(j.revision, j.supersedes_id, j.answers["preference"]["choice"]) for j in rows] == [
        (0, None, "A"),
        (1, first["judgment_id"], "B"),
    ]
    assert tuple(counts) == (1, 1)
    # Revising an old revision, or undoing twice, is refused.
    again = annotator.post(f"/api/annotate/{slug}/undo", json={"judgment_id": first["judgment_id"]})
    assert again.json()["error"]["code"] == "undo_expired"
    # The DPO export holds the latest answer only; the raw export holds both revisions.
    from prefhub.exports.tasks import execute_export

    def export(fmt):
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt}).json()
        execute_export(job["id"])
        text = researcher.get(f"/api/exports/{job['id']}/files/{fmt}.jsonl").text
        return [json.loads(line) for line in text.splitlines()]

    (dpo,) = export("dpo")
    assert dpo["metadata"]["judgment_id"] == second["judgment_id"]
    raw = export("judgments")
    assert [(r["revision"], r["current"], r["answer"]["choice"]) for r in raw] == [
        (0, False, "A"),
        (1, True, "B"),
    ]


def test_undo_window_closes(as_user, unique, db):
    from prefhub.models import Judgment

    slug = f"undo-late-{unique}"
    _campaign(as_user("researcher"), slug, [{"kind": "pairwise"}], n_items=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    judgment_id = _submit(annotator, slug, task, {"preference": {"choice": "A"}}).json()[
        "judgment_id"
    ]
    with db() as session:
        session.execute(
            update(Judgment)
            .where(Judgment.id == judgment_id)
            .values(created_at=datetime(2001, 1, 1))
        )
    late = annotator.post(f"/api/annotate/{slug}/undo", json={"judgment_id": judgment_id})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "undo_expired")
    other = as_user().post(f"/api/annotate/{slug}/undo", json={"judgment_id": judgment_id})
    assert other.json()["error"]["code"] == "judgment_not_found"


def test_report_records_the_reason_and_releases_the_task(as_user, unique, db):
    from prefhub.models import ItemReport

    slug = f"report-{unique}"
    _campaign(as_user("researcher"), slug, [{"kind": "pairwise"}], n_items=1, redundancy=1)
    reporter, other = as_user(), as_user()
    task = reporter.get(f"/api/annotate/{slug}/next").json()["task"]
    empty = reporter.post(
        f"/api/annotate/{slug}/report", json={"assignment_id": task["assignment_id"], "reason": ""}
    )
    assert empty.status_code == 422
    done = reporter.post(
        f"/api/annotate/{slug}/report",
        json={"assignment_id": task["assignment_id"], "reason": "prompt is cut off"},
    )
    assert done.status_code == 204
    with db() as session:
        (report,) = session.scalars(select(ItemReport).where(ItemReport.item_id == task["item_id"]))
    assert report.reason == "prompt is cut off"
    assert other.get(f"/api/annotate/{slug}/next").json()["task"]["item_id"] == task["item_id"]


def test_eligibility_by_language_and_profile(as_user, unique, db):
    from prefhub.models import User

    slug = f"elig-{unique}"
    _campaign(
        as_user("researcher"),
        slug,
        [{"kind": "pairwise"}],
        eligibility={"languages": ["de"], "profile": {"country": ["DE", "AT"]}},
    )
    outsider, insider = as_user(), as_user()
    with db() as session:
        session.execute(
            update(User)
            .where(User.id == insider.user_id)
            .values(languages=["en", "de"], profile={"country": "AT"})
        )
        session.execute(
            update(User)
            .where(User.id == outsider.user_id)
            .values(languages=["de"], profile={"country": "FR"})
        )
    refused = outsider.get(f"/api/annotate/{slug}/next")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_eligible")
    assert slug not in {
        c["slug"] for c in outsider.get("/api/annotate/campaigns").json()["campaigns"]
    }
    assert insider.get(f"/api/annotate/{slug}/next").json()["task"] is not None


def test_group_quota_caps_one_groups_share_of_an_item(as_user, unique, db):
    from prefhub.models import User

    slug = f"quota-{unique}"
    _campaign(
        as_user("researcher"),
        slug,
        [{"kind": "pairwise"}],
        n_items=1,
        redundancy=4,
        quotas=[{"field": "group", "max_share": 0.5}],
    )
    annotators = [as_user() for _ in range(4)]
    with db() as session:
        for i, client in enumerate(annotators):
            group = "north" if i < 3 else "south"
            session.execute(
                update(User).where(User.id == client.user_id).values(profile={"group": group})
            )
    got = [a.get(f"/api/annotate/{slug}/next").json()["task"] is not None for a in annotators]
    # At most half of K=4 from "north": the third northerner gets nothing; the southerner does.
    assert got == [True, True, False, True]


def test_lease_cap_limits_prefetching(as_user, unique):
    slug = f"cap-{unique}"
    _campaign(as_user("researcher"), slug, [{"kind": "pairwise"}], n_items=5, max_open_leases=2)
    annotator = as_user()
    first = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    second = annotator.get(f"/api/annotate/{slug}/next?additional=true").json()["task"]
    assert first["item_id"] != second["item_id"]
    third = annotator.get(f"/api/annotate/{slug}/next?additional=true")
    assert (third.status_code, third.json()["error"]["code"]) == (409, "lease_cap_reached")
    # Without `additional`, the oldest open lease comes back.
    assert annotator.get(f"/api/annotate/{slug}/next").json()["task"]["item_id"] == first["item_id"]


def test_pairwise_over_four_candidates_compares_every_pair_evenly(as_user, unique, db):
    from prefhub.models import Assignment

    slug = f"pairs-{unique}"
    _campaign(
        as_user("researcher"), slug, [{"kind": "pairwise"}], n_items=1, candidates=4, redundancy=12
    )
    for _ in range(12):
        annotator = as_user()
        task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
        assert len(task["candidates"]) == 2
        assert _submit(annotator, slug, task, {"preference": {"choice": "A"}}).status_code == 200
    with db() as session:
        orders = session.scalars(
            select(Assignment.shown_order).where(Assignment.item_id == task["item_id"])
        ).all()
    pairs = Counter(frozenset(o) for o in orders)
    assert len(pairs) == 6  # C(4, 2): every pair shown
    assert set(pairs.values()) == {2}  # and none over-sampled


def test_every_kind_on_one_screen_lands_in_the_raw_export(as_user, unique):
    from prefhub.exports.tasks import execute_export

    slug = f"kinds-{unique}"
    researcher = as_user("researcher")
    questions = [
        {"kind": "ranking"},
        {"kind": "binary"},
        {"kind": "negative_only"},
        {"kind": "rating", "attributes": [{"id": "helpfulness", "label": "Helpfulness"}]},
        {"kind": "text", "required": True},
        {"kind": "labels", "target": "prompt"},
    ]
    _campaign(researcher, slug, questions, n_items=1, candidates=3, max_candidates_shown=3)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert [c["label"] for c in task["candidates"]] == ["A", "B", "C"]
    assert [q["kind"] for q in task["questions"]] == [q["kind"] for q in questions]
    answers = {
        "ranking": {"ranking": [["C"], ["A", "B"]]},
        "acceptable": {"votes": {"A": "up", "B": "down", "C": "up"}},
        "unacceptable": {"unacceptable": {"B": ["incorrect"]}},
        "rating": {"scores": {label: {"helpfulness": i} for i, label in enumerate("ABC")}},
        "rationale": {"text": "C answers the question."},
        "labels": {"values": {"spam": False, "quality": 3}},
    }
    assert _submit(annotator, slug, task, answers).status_code == 200
    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"}).json()
    execute_export(job["id"])
    rows = [
        json.loads(line)
        for line in researcher.get(
            f"/api/exports/{job['id']}/files/judgments.jsonl"
        ).text.splitlines()
    ]
    by_question = {r["question"]: r for r in rows}
    assert set(by_question) == set(answers)
    assert by_question["ranking"]["answer"]["ranking"] == [["C"], ["A", "B"]]
    assert by_question["ranking"]["kind"] == "ranking"
    assert by_question["rating"]["answer"]["scores"]["C"]["helpfulness"] == 2
    shown = by_question["acceptable"]["shown"]
    assert set(shown) == {"A", "B", "C"}
    assert [shown[label]["candidate_id"] for label in "ABC"] == by_question["labels"]["shown_order"]
    assert all(r["annotator_id"].startswith("ann-") for r in rows)


def test_items_short_of_min_candidates_wait_as_pending(as_user, unique):
    """Items with fewer candidates than min_candidates wait as pending."""
    slug = f"pending-{unique}"
    researcher = as_user("researcher")
    researcher.post(
        "/api/campaigns",
        json={
            "name": slug,
            "slug": slug,
            "min_candidates": 3,
            "max_candidates_shown": 3,
            "questions": [{"kind": "ranking"}],
        },
    )
    body = jsonl([{"prompt": "p", "candidates": ["a", "b"]}])
    result = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", body, "application/jsonl")},
    ).json()
    assert result == {"imported": 1, "ready": 0}
    assert as_user().get(f"/api/annotate/{slug}/next").json()["task"] is None
