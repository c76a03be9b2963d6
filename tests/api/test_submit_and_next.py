"""Submit-and-next: a submit with ``next: true`` answers the annotator's next task too (one round
trip per judgment), exactly what GET /next would answer right after it; null where GET /next
would refuse, so the client asks it for the refusal. Retried submits never lease a second item,
and concurrent annotators still never over-assign."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from support.api import create_campaign_with_items, jsonl, pairwise_spec
from support.audit import judgments_and_item_counters

CHOICE = {"preference": {"choice": "A"}}


def _submit(client, slug: str, task: dict[str, Any], client_id: str | None = None, **extra: Any):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": client_id or str(uuid.uuid4()),
            "answers": CHOICE,
            **extra,
        },
    )


def _open_leases(db, user_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    from prefhub.models import Assignment, AssignmentStatus

    with db() as session:
        return list(
            session.scalars(
                select(Assignment.id).where(
                    Assignment.annotator_id == user_id,
                    Assignment.status == AssignmentStatus.leased,
                )
            )
        )


def test_submit_with_next_answers_the_next_task_and_the_progress(as_user, unique, db):
    slug = f"sn-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=3, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]

    response = _submit(annotator, slug, task, next=True)
    assert response.status_code == 200, response.text
    after = response.json()["next"]
    assert after["progress"] == {"my_judgments": 1, "items_total": 3, "items_complete": 1}
    following = after["task"]
    assert following["assignment_id"] != task["assignment_id"]
    assert following["item_id"] != task["item_id"]
    assert [c["label"] for c in following["candidates"]] == ["A", "B"]
    # GET /next resumes that very lease: the submit leased it, nothing more.
    assert annotator.get(f"/api/annotate/{slug}/next").json()["task"] == following
    assert _open_leases(db, annotator.user_id) == [following["assignment_id"]]


def test_a_submit_without_next_leases_nothing_more(as_user, unique, db):
    slug = f"sn-plain-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=3, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    response = _submit(annotator, slug, task)
    assert response.status_code == 200, response.text
    assert response.json()["next"] is None
    assert _open_leases(db, annotator.user_id) == []


def test_a_retried_submit_with_next_returns_the_lease_already_taken(as_user, unique, db):
    slug = f"sn-retry-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=4, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    client_id = str(uuid.uuid4())

    first = _submit(annotator, slug, task, client_id, next=True).json()
    again = _submit(annotator, slug, task, client_id, next=True).json()
    assert again["judgment_id"] == first["judgment_id"]
    assert again["next"]["task"]["assignment_id"] == first["next"]["task"]["assignment_id"]
    assert again["next"]["progress"]["my_judgments"] == 1
    assert _open_leases(db, annotator.user_id) == [first["next"]["task"]["assignment_id"]]


def test_nothing_left_answers_a_null_task_with_the_progress(as_user, unique):
    slug = f"sn-last-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=1, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    after = _submit(annotator, slug, task, next=True).json()["next"]
    assert after == {
        "task": None,
        "progress": {"my_judgments": 1, "items_total": 1, "items_complete": 1},
    }


def test_a_paused_campaign_answers_next_null_and_get_next_tells_why(as_user, unique):
    researcher = as_user("researcher")
    slug = f"sn-paused-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    paused = researcher.post(f"/api/campaigns/{slug}/status", json={"status": "paused"})
    assert paused.status_code == 200, paused.text

    response = _submit(annotator, slug, task, next=True)
    assert response.status_code == 200, response.text
    assert response.json()["next"] is None
    refused = annotator.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "campaign_not_active"


def _qualifying(researcher, slug: str) -> None:  # type: ignore[no-untyped-def]
    gold = [
        {
            "id": f"gold-{i}",
            "prompt": f"Careful prompt {i}",
            "candidates": [f"right {i}", f"wrong {i}"],
            "gold": {"expected": {"preference": {"accept": ["A"]}}, "feedback": "the first"},
        }
        for i in range(4)
    ]
    plain = [{"id": f"p-{i}", "prompt": f"Plain {i}", "candidates": ["x", "y"]} for i in range(3)]
    qualification = {"tasks": 2, "pass_mark": 1.0}
    spec = pairwise_spec(slug, redundancy=2, quality={"qualification": qualification})
    assert researcher.post("/api/campaigns", json={**spec, "status": "draft"}).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(gold + plain), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    opened = researcher.post(f"/api/campaigns/{slug}/status", json={"status": "active"})
    assert opened.status_code == 200, opened.text


def _answer_gold(client, slug: str, task: dict[str, Any], *, right: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    label = next(
        c["label"]
        for c in task["candidates"]
        if c["content"][0]["text"].startswith("right" if right else "wrong")
    )
    response = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": label}},
            "next": True,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _text(task: dict[str, Any]) -> str:
    return str(task["context"][0]["content"][0]["text"])


def test_the_qualification_phase_gives_feedback_and_the_next_task_together(as_user, unique):
    slug = f"sn-qual-{unique}"
    _qualifying(as_user("researcher"), slug)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert _text(task).startswith("Careful")

    first = _answer_gold(annotator, slug, task, right=True)
    assert first["qualification"]["outcome"] == "pending"
    assert _text(first["next"]["task"]).startswith("Careful")  # the second qualification task
    second = _answer_gold(annotator, slug, first["next"]["task"], right=True)
    assert second["qualification"]["outcome"] == "passed"
    assert _text(second["next"]["task"]).startswith("Plain")  # real tasks follow


def test_a_failed_qualification_answers_next_null_and_get_next_excludes(as_user, unique):
    slug = f"sn-qual-fail-{unique}"
    _qualifying(as_user("researcher"), slug)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    first = _answer_gold(annotator, slug, task, right=False)
    second = _answer_gold(annotator, slug, first["next"]["task"], right=False)
    assert second["qualification"]["outcome"] == "failed"
    assert second["next"] is None
    refused = annotator.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "annotator_excluded"


def test_concurrent_submit_and_next_loops_never_over_assign_or_lose(
    as_user, new_client, unique, db
):
    slug = f"sn-race-{unique}"
    k, n_items, n_annotators = 2, 10, 6
    create_campaign_with_items(as_user("researcher"), slug, n_items=n_items, redundancy=k)
    annotators = [as_user() for _ in range(n_annotators)]
    judged: list[tuple[int, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def loop(client) -> None:  # type: ignore[no-untyped-def]
        try:
            task = client.get(f"/api/annotate/{slug}/next").json()["task"]
            while task is not None:
                response = _submit(client, slug, task, next=True)
                if response.status_code != 200:
                    errors.append(response.text)
                    return
                with lock:
                    judged.append((client.user_id, task["item_id"]))
                task = response.json()["next"]["task"]
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=loop, args=(a,)) for a in annotators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(judged) == n_items * k
    assert set(Counter(item for _, item in judged).values()) == {k}
    assert len(set(judged)) == len(judged)  # nobody judged an item twice
    assert judgments_and_item_counters(db, slug) == (n_items * k, {(k, k)})


def test_simultaneous_retries_with_next_store_once_and_lease_once(as_user, unique, db):
    from prefhub.models import Judgment

    slug = f"sn-twice-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=4, redundancy=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    client_id = str(uuid.uuid4())
    barrier = threading.Barrier(4)
    answers: list[dict[str, Any]] = []

    def send() -> None:
        barrier.wait()
        response = _submit(annotator, slug, task, client_id, next=True)
        answers.append(response.json() if response.status_code == 200 else {"error": response.text})

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len({a.get("judgment_id") for a in answers}) == 1, answers
    with db() as session:
        stored = session.scalar(
            select(func.count(Judgment.id)).where(Judgment.client_id == client_id)
        )
    assert stored == 1
    leases = _open_leases(db, annotator.user_id)
    assert len(leases) == 1
    assert {a["next"]["task"]["assignment_id"] for a in answers} == set(leases)
