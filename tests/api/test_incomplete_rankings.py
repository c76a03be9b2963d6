"""A ranking that leaves a shown candidate out is no answer: 422 ``invalid_answer`` naming the
first candidate not ranked, the assignment stays open, and only a full ranking is stored."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from support.api import jsonl


def _ranking_campaign(client, slug: str) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "ranking", "id": "order", "allow_ties": True}],
        "redundancy": 1,
        "max_candidates_shown": 3,
    }
    created = client.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    rows = [{"id": "i0", "prompt": "P", "candidates": ["one", "two", "three"]}]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _submit(client, slug: str, task: dict, answer: dict):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"order": answer},
            "time_spent_ms": 900,
        },
    )


def test_an_incomplete_item_ranking_is_refused_and_the_full_one_is_stored(as_user, unique, db):
    from prefhub.models import Campaign, Judgment

    slug = f"rank-gap-{unique}"
    _ranking_campaign(as_user("researcher"), slug)
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    assert [c["label"] for c in task["candidates"]] == ["A", "B", "C"]

    partial = [
        ({"ranking": [["B"], ["A"]]}, "answers.order.ranking.C", "rank every shown candidate (C"),
        ({"ranking": [["B", "A"]]}, "answers.order.ranking.C", "C not ranked"),
        ({"ranking": []}, "answers.order.ranking.A", "A, B, C not ranked"),
        ({}, "answers.order.ranking.A", "A, B, C not ranked"),
        ({"ranking": [["C"]], "none_acceptable": False}, "answers.order.ranking.A", "A, B"),
    ]
    for answer, field, words in partial:
        response = _submit(annotator, slug, task, answer)
        assert response.status_code == 422, (answer, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_answer"
        assert error["details"][0]["field"] == field
        assert words in error["details"][0]["message"]

    # Nothing was stored, and the same assignment still takes the annotator's full ranking.
    full = _submit(annotator, slug, task, {"ranking": [["C"], ["A", "B"]]})
    assert full.status_code == 200, full.text
    with db() as session:
        answers = session.scalars(
            select(Judgment.answers)
            .join(Campaign, Campaign.id == Judgment.campaign_id)
            .where(Campaign.slug == slug)
        ).all()
    assert answers == [{"order": {"ranking": [["C"], ["A", "B"]], "none_acceptable": False}}]
