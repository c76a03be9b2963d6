"""A gold item's lease that lapses before submit is handled as an ordinary item's: its slot
goes back to the pool, it is not served to the same annotator again, and a late submit keeps
the work while a slot is free (a gold item served at a rate always has one) — scored as gold."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from support.api import jsonl, pairwise_spec

GOLD = {
    "id": "gold-0",
    "prompt": "Careful prompt",
    "candidates": ["right", "wrong"],
    "gold": {"expected": {"preference": {"accept": ["A"]}}},
}
PLAIN = [{"id": f"item-{i}", "prompt": f"Prompt {i}", "candidates": ["x", "y"]} for i in range(3)]


def _submit(client, slug: str, task: dict[str, Any], choice: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 10,
        },
    )


def _item(db, slug: str, external_id: str):  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign, Item

    with db() as session:
        item = session.scalars(
            select(Item)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug, Item.external_id == external_id)
        ).one()
        session.expunge(item)
        return item


def _lapse(db, assignment_id: int) -> None:
    from prefhub.kit.time import utcnow
    from prefhub.models import Assignment

    with db() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


@pytest.mark.parametrize("kind", ["gold", "ordinary"])
def test_a_lapsed_lease_returns_its_slot_and_a_late_submit_keeps_the_work(
    kind, as_user, unique, db
):
    from prefhub.models import Judgment

    researcher = as_user("researcher")
    slug = f"lapse-{kind}-{unique}"
    # gold: served first at rate 1 while real items remain; ordinary: the queue's first item.
    spec = pairwise_spec(
        slug, redundancy=2, **({"quality": {"gold_rate": 0.5}} if kind == "gold" else {})
    )
    rows = [GOLD, *PLAIN] if kind == "gold" else PLAIN
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    watched = "gold-0" if kind == "gold" else "item-0"
    first, second = as_user(), as_user()

    task = _lease(db, slug, first)
    assert task["context"][0]["content"][0]["text"] == _text(watched)
    assert _item(db, slug, watched).assigned_count == 1
    _lapse(db, task["assignment_id"])

    # The next request of anyone sweeps the lapsed lease: its slot is back, and the item goes
    # to someone else, never to the annotator who let it lapse.
    again = _lease(db, slug, second)
    assert again["context"][0]["content"][0]["text"] == _text(watched)
    assert _item(db, slug, watched).assigned_count == 1  # one lapsed, one leased
    for _ in range(len(rows)):
        mine = first.get(f"/api/annotate/{slug}/next").json()["task"]
        if mine is None:
            break
        assert mine["context"][0]["content"][0]["text"] != _text(watched)
        assert _submit(first, slug, mine, "A").status_code == 200

    # The late submit keeps the work while a slot is free (K = 2: the second lease holds one).
    right = next(
        c["label"] for c in task["candidates"] if c["content"][0]["text"] in ("right", "x")
    )
    late = _submit(first, slug, task, right)
    assert late.status_code == 200, late.text
    assert _submit(second, slug, again, right).status_code == 200
    item = _item(db, slug, watched)
    assert (item.assigned_count, item.judgment_count) == (2, 2)
    with db() as session:
        scores = session.scalars(select(Judgment.gold_score).where(Judgment.item_id == item.id))
        assert list(scores) == ([1.0, 1.0] if kind == "gold" else [None, None])


def test_a_late_submit_on_an_ordinary_item_whose_slots_were_taken_is_refused(as_user, unique, db):
    """The rule a gold item shares: a late submit needs a free slot (K = 1 here, taken)."""
    researcher = as_user("researcher")
    slug = f"lapse-full-{unique}"
    assert (
        researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=1)).status_code == 201
    )
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(PLAIN[:1]), "application/jsonl")},
    )
    assert imported.status_code == 201
    first, second = as_user(), as_user()
    task = first.get(f"/api/annotate/{slug}/next").json()["task"]
    _lapse(db, task["assignment_id"])
    taken = second.get(f"/api/annotate/{slug}/next").json()["task"]
    assert taken is not None
    late = _submit(first, slug, task, "A")
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "lease_expired"
    assert _item(db, slug, "item-0").assigned_count == 1


class _GoldFirst(random.Random):
    """Draws under any gold rate: the gold item (when there is one) comes first."""

    def random(self) -> float:
        return 0.0


def _lease(db, slug: str, client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The client's next task, leased in-process so a gold item comes first whatever the
    rate's draw (the gold item is the one leased first; ordinary: the queue's first item)."""
    from prefhub.assignments.service import next_task
    from prefhub.campaigns.answers import LABELS
    from prefhub.models import Campaign, User

    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        annotator = session.get_one(User, client.user_id)
        task = next_task(session, campaign, annotator, _GoldFirst(1))
        assert task is not None
        return {
            "assignment_id": task.assignment.id,
            "context": task.item.context,
            "candidates": [
                {"label": LABELS[i], "content": c.content} for i, c in enumerate(task.candidates)
            ],
        }


def _text(external_id: str) -> str:
    return "Careful prompt" if external_id == "gold-0" else "Prompt 0"
