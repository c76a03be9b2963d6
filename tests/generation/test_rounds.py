"""On-policy rounds: a new round copies the prompts into fresh items with their own K judgments;
annotation can be limited to some rounds."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from support.api import jsonl
from support.fake_openai import FakeOpenAI


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _spec(slug: str, **extra) -> dict:
    return {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "pairwise"}],
        "redundancy": 1,
        "min_candidates": 2,
    } | extra


def _campaign(researcher, fake, unique: str, models: list[str]) -> str:
    slug = f"onpolicy-{unique}"
    assert researcher.post("/api/campaigns", json=_spec(slug)).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"Prompt {i}?"} for i in range(2)]
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    )
    for name in models:
        body = {"name": name, "base_url": fake.base_url, "model": "fake-model"}
        assert researcher.post("/api/models", json=body).status_code == 201
    return slug


def _generate(researcher, slug: str, **body) -> dict:
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work

    response = researcher.post(f"/api/campaigns/{slug}/generation-jobs", json=body)
    assert response.status_code == 202, response.text
    job = response.json()
    with unit_of_work() as session:
        ids = service.queued_request_ids(session, job["id"])
    run_locally(ids, 4)
    return job


def _items(db, slug: str) -> dict[str, tuple[int, str, list[int]]]:
    """external id -> (round, status, candidate rounds)"""
    from prefhub.models import Campaign, Candidate, Item

    with db() as session:
        items = session.scalars(
            select(Item).join(Campaign).where(Campaign.slug == slug).order_by(Item.id)
        ).all()
        return {
            item.external_id: (
                item.round,
                item.status.value,
                sorted(
                    session.scalars(select(Candidate.round).where(Candidate.item_id == item.id))
                ),
            )
            for item in items
        }


def _judge_all(annotator, slug: str, db) -> list[str]:
    """Judge every task offered; the external ids of the items judged."""
    from prefhub.models import Item

    judged = []
    while (task := annotator.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        answer = {
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        }
        assert annotator.post(f"/api/annotate/{slug}/submit", json=answer).status_code == 200
        with db() as session:
            judged.append(session.get_one(Item, task["item_id"]).external_id)
    return sorted(judged)


def test_a_new_round_copies_the_prompts_and_collects_its_own_judgments(as_user, fake, unique, db):
    researcher = as_user("researcher")
    old, new = f"v0-{unique}", f"v1-{unique}"
    slug = _campaign(researcher, fake, unique, [old, new])
    first = _generate(researcher, slug, models=[old], samples=2)
    annotator = as_user("annotator")
    assert _judge_all(annotator, slug, db) == ["p0", "p1"]

    second = _generate(researcher, slug, models=[new], samples=2, new_round=True)
    assert (first["round"], second["round"]) == (0, 1)
    assert _items(db, slug) == {
        "p0": (0, "complete", [0, 0]),
        "p1": (0, "complete", [0, 0]),
        "p0~r1": (1, "ready", [1, 1]),
        "p1~r1": (1, "ready", [1, 1]),
    }
    # Round 1 is a fresh collection: the same annotator judges the new candidates too.
    assert _judge_all(annotator, slug, db) == ["p0~r1", "p1~r1"]


def test_annotation_can_be_limited_to_rounds(as_user, fake, unique, db):
    researcher = as_user("researcher")
    old, new = f"a-{unique}", f"b-{unique}"
    slug = _campaign(researcher, fake, unique, [old, new])
    _generate(researcher, slug, models=[old], samples=2)
    _generate(researcher, slug, models=[new], samples=2, new_round=True)
    limited = researcher.put(f"/api/campaigns/{slug}/spec", json=_spec(slug, rounds=[1]))
    assert limited.status_code == 200, limited.text
    assert _judge_all(as_user("annotator"), slug, db) == ["p0~r1", "p1~r1"]

    assert researcher.put(f"/api/campaigns/{slug}/spec", json=_spec(slug, rounds=[0])).is_success
    assert _judge_all(as_user("annotator"), slug, db) == ["p0", "p1"]
    bad = researcher.put(f"/api/campaigns/{slug}/spec", json=_spec(slug, rounds=[-1]))
    assert bad.status_code == 422


def test_item_ids_pick_prompts_by_their_imported_id_in_every_round(as_user, fake, unique, db):
    researcher = as_user("researcher")
    old, new = f"c-{unique}", f"d-{unique}"
    slug = _campaign(researcher, fake, unique, [old, new])
    _generate(researcher, slug, models=[old], samples=2)
    _generate(researcher, slug, models=[new], new_round=True, item_ids=["p1"])
    # Without new_round a job adds to the current round's items, found by the imported id.
    _generate(researcher, slug, models=[old], item_ids=["p1"])
    items = _items(db, slug)
    assert "p0~r1" not in items
    assert items["p1~r1"] == (1, "ready", [1, 1])
    missing = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [old], "item_ids": ["p0"]}
    )
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "bad_generation_request"
    assert "round 1" in missing.json()["error"]["message"]


def test_a_taken_copy_id_is_a_conflict_and_stores_nothing(as_user, fake, unique, db):
    researcher = as_user("researcher")
    old = f"e-{unique}"
    slug = _campaign(researcher, fake, unique, [old])
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl([{"id": "p0~r1", "prompt": "x"}]), "application/jsonl")},
    )
    before = _items(db, slug)
    taken = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [old], "new_round": True}
    )
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "round_conflict")
    assert _items(db, slug) == before
    assert researcher.get(f"/api/campaigns/{slug}/generation-jobs").json()["jobs"] == []
