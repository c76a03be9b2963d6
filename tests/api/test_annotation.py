from __future__ import annotations

import uuid
from collections import Counter, defaultdict

from sqlalchemy import select, update

from support.api import create_campaign_with_items


def _answer(client, slug, task, choice="A", client_id=None):
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": client_id or str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 1234,
        },
    )


def _rate_everything(client, slug) -> list[int]:
    seen = []
    while (task := client.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        seen.append(task["item_id"])
        assert _answer(client, slug, task).status_code == 200
    return seen


def test_each_item_gets_k_judgments_from_k_distinct_annotators(as_user, unique, db):
    from prefhub.models import Campaign, Item, ItemStatus, Judgment

    slug = f"k-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=5, redundancy=2)
    annotators = [as_user() for _ in range(3)]
    per_annotator = [_rate_everything(a, slug) for a in annotators]
    for seen in per_annotator:
        assert len(seen) == len(set(seen)), "an annotator got the same item twice"
    # 5 items x K=2 = 10 judgments; the first annotators take what the last cannot.
    assert sum(len(s) for s in per_annotator) == 10
    with db() as session:
        rows = session.execute(
            select(Judgment.item_id, Judgment.annotator_id)
            .join(Campaign, Campaign.id == Judgment.campaign_id)
            .where(Campaign.slug == slug)
        ).all()
        statuses = set(
            session.scalars(select(Item.status).where(Item.id.in_({r[0] for r in rows})))
        )
    by_item = defaultdict(set)
    for item_id, annotator_id in rows:
        by_item[item_id].add(annotator_id)
    assert len(by_item) == 5
    assert all(len(a) == 2 for a in by_item.values())
    assert statuses == {ItemStatus.complete}
    done = annotators[2].get(f"/api/annotate/{slug}/next").json()
    assert done["task"] is None
    assert done["progress"]["items_complete"] == 5


def test_task_is_anonymised_and_the_shown_order_is_randomised_and_recorded(as_user, unique, db):
    from prefhub.models import Judgment

    slug = f"order-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=40, redundancy=1)
    annotator = as_user()
    first_shown = Counter()
    judgment_ids = {}
    while (task := annotator.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        assert [c["label"] for c in task["candidates"]] == ["A", "B"]
        assert all("model" not in c and "id" not in c for c in task["candidates"])
        text = task["candidates"][0]["content"][0]["text"]
        first_shown["good" if "I think" not in text else "bad"] += 1
        response = _answer(annotator, slug, task, "A")
        judgment_ids[response.json()["judgment_id"]] = text
    # Both orders occur (40 fair coin flips all alike has probability 2^-39).
    assert first_shown["good"] > 0 and first_shown["bad"] > 0
    from prefhub.models import Candidate

    with db() as session:
        for judgment in session.scalars(select(Judgment).where(Judgment.id.in_(judgment_ids))):
            shown_first = session.get(Candidate, judgment.shown_order[0])
            assert shown_first.content[0]["text"] == judgment_ids[judgment.id]


def test_retried_submit_stores_one_judgment_and_returns_the_same_response(as_user, unique, db):
    from prefhub.models import Judgment

    slug = f"idem-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=2)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    client_id = str(uuid.uuid4())
    first = _answer(annotator, slug, task, "B", client_id)
    second = _answer(annotator, slug, task, "B", client_id)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    with db() as session:
        count = len(session.scalars(select(Judgment).where(Judgment.client_id == client_id)).all())
    assert count == 1
    # A different client id for the same task is a second submission: refused.
    third = _answer(annotator, slug, task, "A")
    assert (third.status_code, third.json()["error"]["code"]) == (409, "already_submitted")


def test_wrong_answer_shape_is_a_422_naming_the_field(as_user, unique):
    slug = f"shape-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=1)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    cases = {
        "answers.preference.choice": {"preference": {"choice": "C"}},
        "answers.preference": {},
        "answers.surprise": {"preference": {"choice": "A"}, "surprise": {"choice": "A"}},
    }
    for field, answers in cases.items():
        response = annotator.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": answers,
            },
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_answer"
        assert error["details"][0]["field"] == field
    # The task is still open and accepts a correct answer.
    assert _answer(annotator, slug, task).status_code == 200


def test_tie_refused_when_the_question_disallows_it(as_user, unique):
    researcher = as_user("researcher")
    slug = f"notie-{unique}"
    spec = {
        "name": "No ties",
        "slug": slug,
        "questions": [{"kind": "pairwise", "id": "preference", "allow_tie": False}],
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    from support.api import items, jsonl

    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("i.jsonl", jsonl(items(1)), "application/jsonl")},
    )
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert task["questions"][0]["allow_tie"] is False
    response = _answer(annotator, slug, task, "tie")
    assert response.json()["error"]["code"] == "invalid_answer"


def test_nobody_can_submit_or_skip_another_annotators_task(as_user, unique):
    slug = f"other-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=2)
    owner, intruder = as_user(), as_user()
    task = owner.get(f"/api/annotate/{slug}/next").json()["task"]
    response = _answer(intruder, slug, task)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "assignment_not_found")
    skip = intruder.post(
        f"/api/annotate/{slug}/skip", json={"assignment_id": task["assignment_id"]}
    )
    assert skip.status_code == 404


def test_annotators_read_only_their_own_judgments_and_never_exports(as_user, unique):
    researcher = as_user("researcher")
    slug = f"own-{unique}"
    create_campaign_with_items(researcher, slug, n_items=3, redundancy=2)
    alice, bob = as_user(), as_user()
    _rate_everything(alice, slug)
    _rate_everything(bob, slug)
    alice_rows = alice.get(f"/api/annotate/{slug}/judgments").json()
    bob_rows = bob.get(f"/api/annotate/{slug}/judgments").json()
    assert len(alice_rows) == len(bob_rows) == 3
    assert not {r["id"] for r in alice_rows} & {r["id"] for r in bob_rows}
    # Each row names its item by the prompt, so the annotator recognises what they judged.
    assert {r["prompt_excerpt"] for r in alice_rows} == {
        f"Question {i}: what is {i} + {i}?" for i in range(3)
    }
    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).json()
    for path in (
        f"/api/exports/{job['id']}",
        f"/api/campaigns/{slug}/exports",
        f"/api/exports/{job['id']}/files/dpo.jsonl",
    ):
        response = alice.get(path)
        assert response.status_code == 403, path
    assert alice.post(f"/api/campaigns/{slug}/exports", json={}).status_code == 403


def test_page_reload_resumes_the_open_lease(as_user, unique):
    slug = f"resume-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=3)
    annotator = as_user()
    first = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    again = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert again["assignment_id"] == first["assignment_id"]
    assert again["candidates"] == first["candidates"]


def test_expired_lease_returns_the_item_to_the_pool(as_user, unique, db):
    from prefhub.kit.time import utcnow
    from prefhub.models import Assignment, AssignmentStatus

    slug = f"lease-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=1, redundancy=1)
    slow, fast = as_user(), as_user()
    task = slow.get(f"/api/annotate/{slug}/next").json()["task"]
    assert fast.get(f"/api/annotate/{slug}/next").json()["task"] is None
    with db() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == task["assignment_id"])
            .values(expires_at=utcnow().replace(year=2000))
        )
    fast_task = fast.get(f"/api/annotate/{slug}/next").json()["task"]
    assert fast_task["item_id"] == task["item_id"]
    assert _answer(fast, slug, fast_task).status_code == 200
    late = _answer(slow, slug, task)
    assert (late.status_code, late.json()["error"]["code"]) == (409, "lease_expired")
    with db() as session:
        assert session.get(Assignment, task["assignment_id"]).status == AssignmentStatus.expired


def test_skip_frees_the_slot_for_someone_else(as_user, unique):
    slug = f"skip-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=1, redundancy=1)
    skipper, other = as_user(), as_user()
    task = skipper.get(f"/api/annotate/{slug}/next").json()["task"]
    response = skipper.post(
        f"/api/annotate/{slug}/skip",
        json={"assignment_id": task["assignment_id"], "reason": "unsure"},
    )
    assert response.status_code == 204
    assert skipper.get(f"/api/annotate/{slug}/next").json()["task"] is None
    assert other.get(f"/api/annotate/{slug}/next").json()["task"]["item_id"] == task["item_id"]


def test_annotator_campaign_list_shows_what_is_left_for_me(as_user, unique):
    slug = f"list-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=3, redundancy=1)
    annotator = as_user()
    entry = lambda: next(  # noqa: E731
        c for c in annotator.get("/api/annotate/campaigns").json()["campaigns"] if c["slug"] == slug
    )
    assert entry() == {
        "slug": slug,
        "name": f"Campaign {slug}",
        "kind": "items",
        "status": "active",
        "my_judgments": 0,
        "available": 3,
    }
    _rate_everything(annotator, slug)
    assert entry()["my_judgments"] == 3 and entry()["available"] == 0
