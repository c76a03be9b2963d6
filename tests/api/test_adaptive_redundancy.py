"""Adaptive redundancy (spec ``adaptive``): an item whose first judgments agree stops early, one
in disagreement goes to more annotators up to the cap, and concurrency keeps every guarantee.

Agreement is on candidates, not on the labels shown: annotators see the candidates in
different orders, so these tests answer by content ("the good answer") and not by letter.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from support.api import jsonl, make_user, pairwise_spec

GOOD, BAD = "It is right.", "It is wrong."


def _campaign(client: Any, slug: str, n_items: int, **adaptive: int) -> None:
    spec = pairwise_spec(slug, redundancy=3, adaptive=adaptive)
    created = client.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    rows = [
        {
            "id": f"item-{i}",
            "prompt": f"Question {i}?",
            "candidates": [
                {"content": f"{GOOD} ({i})", "model": "good-model"},
                {"content": f"{BAD} ({i})", "model": "bad-model"},
            ],
        }
        for i in range(n_items)
    ]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _label_of(task: dict[str, Any], text: str) -> str:
    """The label the annotator saw on the candidate starting with ``text``."""
    for candidate in task["candidates"]:
        if candidate["content"][0]["text"].startswith(text):
            return str(candidate["label"])
    raise AssertionError(f"no candidate {text!r} in {task['candidates']}")


def _judge(client: Any, slug: str, pick: str) -> tuple[dict[str, Any] | None, int | None]:
    """Take the next task and prefer the ``pick`` answer (GOOD or BAD); (None, None) when the
    annotator gets no task."""
    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    if task is None:
        return None, None
    response = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": _label_of(task, pick)}},
            "time_spent_ms": 100,
        },
    )
    assert response.status_code == 200, response.text
    return task, response.json()["judgment_id"]


def _browsed(client: Any, slug: str) -> dict[str, Any]:
    page = client.get(f"/api/campaigns/{slug}/items/browse")
    assert page.status_code == 200, page.text
    (item,) = page.json()["items"]
    return dict(item)


def _progress(client: Any, slug: str) -> dict[str, Any]:
    return dict(client.get(f"/api/campaigns/{slug}").json()["progress"])


def test_an_item_whose_first_judgments_agree_stops_at_agree_after(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"agree-{unique}"
    _campaign(researcher, slug, n_items=1, agree_after=2, max_judgments=5)
    first, second, third = as_user(), as_user(), as_user()
    assert _judge(first, slug, GOOD)[0] is not None
    assert _browsed(researcher, slug)["wanted"] == 3  # one judgment: K until it can agree
    assert _judge(second, slug, GOOD)[0] is not None

    # Two of two agree: the third annotator, whom K = 3 would have served, gets nothing.
    assert _judge(third, slug, GOOD) == (None, None)
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("complete", 2, 2)
    assert item["not_served_because"] == "complete: 2 of 2 judgments"
    progress = _progress(researcher, slug)
    assert (progress["items_complete"], progress["judgments"]) == (1, 2)
    assert progress["judgments_target"] == 2


def test_an_item_in_disagreement_goes_to_more_annotators_up_to_the_cap(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"disagree-{unique}"
    _campaign(researcher, slug, n_items=1, agree_after=2, max_judgments=4)
    people = [as_user() for _ in range(5)]
    assert _judge(people[0], slug, GOOD)[0] is not None
    assert _judge(people[1], slug, BAD)[0] is not None
    assert _browsed(researcher, slug)["wanted"] == 4
    assert _progress(researcher, slug)["judgments_target"] == 4

    # Past K = 3, up to the cap of 4, and no further.
    assert _judge(people[2], slug, GOOD)[0] is not None
    assert _browsed(researcher, slug)["status"] == "ready"
    assert _judge(people[3], slug, GOOD)[0] is not None
    assert _judge(people[4], slug, GOOD) == (None, None)
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("complete", 4, 4)
    assert _progress(researcher, slug)["items_complete"] == 1


def test_agreement_counts_the_same_candidate_whatever_order_it_was_shown_in(
    as_user, unique
) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"order-{unique}"
    _campaign(researcher, slug, n_items=1, agree_after=3, max_judgments=6)
    labels = []
    for _ in range(6):  # until the shuffle has shown the good answer under both letters
        person = as_user()
        task, _ = _judge(person, slug, GOOD)
        if task is None:
            break
        labels.append(_label_of(task, GOOD))
    # 3 of 3 agree on the good answer (under whichever letter): K = 3, nothing more.
    assert len(labels) == 3
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("complete", 3, 3)


def test_revising_a_judgment_recomputes_what_the_item_wants(as_user, unique, db) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Item

    researcher = as_user("researcher")
    slug = f"revise-adaptive-{unique}"
    _campaign(researcher, slug, n_items=1, agree_after=2, max_judgments=4)
    first, second = as_user(), as_user()
    _judge(first, slug, GOOD)
    task, judgment_id = _judge(second, slug, BAD)
    assert task is not None and judgment_id is not None
    assert _browsed(researcher, slug)["wanted"] == 4

    # The dissenter changes their mind: two of two agree, the item is complete at 2.
    reopened = second.post(f"/api/annotate/{slug}/revise", json={"judgment_id": judgment_id})
    assert reopened.status_code == 200, reopened.text
    revised = second.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": _label_of(task, GOOD)}},
            "time_spent_ms": 10,
        },
    )
    assert revised.status_code == 200, revised.text
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("complete", 2, 2)
    assert _judge(as_user(), slug, GOOD) == (None, None)

    # And back: disagreement again serves the item again, to the cap.
    again = second.post(
        f"/api/annotate/{slug}/revise", json={"judgment_id": revised.json()["judgment_id"]}
    )
    assert again.status_code == 200, again.text
    back = second.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": _label_of(task, BAD)}},
            "time_spent_ms": 10,
        },
    )
    assert back.status_code == 200, back.text
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("ready", 2, 4)
    assert _judge(as_user(), slug, GOOD)[0] is not None
    with db() as session:
        counters = session.execute(
            select(Item.assigned_count, Item.judgment_count).where(Item.id == task["item_id"])
        ).one()
    assert tuple(counters) == (3, 3)  # revisions moved no count


def test_adaptive_redundancy_applies_to_no_campaign_without_it(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"plain-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=2))
    assert created.status_code == 201, created.text
    rows = [{"id": "x", "prompt": "Q?", "candidates": [f"{GOOD} x", f"{BAD} x"]}]
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    _judge(as_user(), slug, GOOD)
    _judge(as_user(), slug, BAD)
    assert _judge(as_user(), slug, GOOD) == (None, None)
    item = _browsed(researcher, slug)
    assert (item["status"], item["n_judgments"], item["wanted"]) == ("complete", 2, 2)


def test_bad_adaptive_settings_are_refused_with_a_stable_code(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    spec = pairwise_spec(
        f"bad-{unique}", redundancy=3, adaptive={"agree_after": 4, "max_judgments": 6}
    )
    response = researcher.post("/api/campaigns", json=spec)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


# --- under concurrency ------------------------------------------------------------------


def _worker(slug: str, annotator_id: int, results: list[Any], errors: list[str]) -> None:
    """Judge until nothing is left, preferring the good answer on some items and by a coin
    (fixed per annotator and item) on the others."""
    from prefhub.assignments import service, submissions
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.content import plain_text
    from prefhub.kit.db import unit_of_work
    from prefhub.models import User

    try:
        while True:
            with unit_of_work() as session:
                campaign = get_by_slug(session, slug)
                user = session.get_one(User, annotator_id)
                task = service.next_task(session, campaign, user)
                if task is None:
                    return
                contested = task.item.external_id.endswith(("1", "3", "5", "7", "9"))
                coin = random.Random(annotator_id * 7919 + task.item.id).random() < 0.5
                want = BAD if contested and coin else GOOD
                texts = [plain_text(c.content) for c in task.candidates]
                choice = "AB"[next(i for i, t in enumerate(texts) if t.startswith(want))]
                submissions.submit(
                    session,
                    campaign,
                    user,
                    assignment_id=task.assignment.id,
                    client_id=str(uuid.uuid4()),
                    answers={"preference": {"choice": choice}},
                    time_spent_ms=1,
                )
            results.append((annotator_id, task.item.id))
    except Exception as exc:  # surfaced by the assertion below
        errors.append(repr(exc))


def test_concurrent_annotators_never_give_an_item_more_than_max_judgments(
    as_user, db, unique
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.assignments.adaptive import item_verdicts
    from prefhub.campaigns.spec import PairwiseQuestion
    from prefhub.models import Assignment, Campaign, Item, Judgment

    slug = f"adaptive-race-{unique}"
    agree_after, k, cap = 2, 3, 5
    n_items, n_annotators = 10, 8
    _campaign(
        as_user("researcher"), slug, n_items=n_items, agree_after=agree_after, max_judgments=cap
    )
    ids = [make_user(db, f"adaptive-racer-{unique}-{i}@example.org") for i in range(n_annotators)]
    results: list[Any] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_worker, args=(slug, i, results, errors)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert errors == []
    assert len(set(results)) == len(results)  # nobody judged an item twice
    question = PairwiseQuestion(id="preference", prompt="Which is better?")
    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        items = session.execute(
            select(
                Item.id,
                Item.status,
                Item.assigned_count,
                Item.judgment_count,
                Item.judgments_wanted,
            ).where(Item.campaign_id == campaign_id)
        ).all()
        stored = Counter(
            session.scalars(select(Judgment.item_id).where(Judgment.campaign_id == campaign_id))
        )
        open_leases = session.scalar(
            select(func.count(Assignment.id)).where(
                Assignment.campaign_id == campaign_id, Assignment.status == "leased"
            )
        )
        verdicts = {item.id: item_verdicts(session, question, item.id) for item in items}
    assert open_leases == 0
    assert sum(stored.values()) == len(results)
    settled = disputed = 0
    for item in items:
        assert item.assigned_count == item.judgment_count == stored[item.id] <= cap
        assert item.status == "complete"
        first = verdicts[item.id][:agree_after]
        if len(set(first)) == 1:
            # Agreed: it stopped at agree_after, or K when leases were out before it settled.
            settled += 1
            assert item.judgments_wanted == agree_after
            assert agree_after <= item.judgment_count <= k
        else:
            # In disagreement: eight annotators were enough to take it to the cap.
            disputed += 1
            assert (item.judgments_wanted, item.judgment_count) == (cap, cap)
    assert settled >= 5 and disputed >= 1, (settled, disputed)
