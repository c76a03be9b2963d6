"""Gold items with expected answers: checked at import with line errors, mixed into each
annotator's stream at the campaign's rate without being announced, scored on submit through the
shown order, and reported per annotator and per gold item."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import func, select

from support.api import jsonl, pairwise_spec

FEEDBACK = "Feedback-7f3e: B ignores the question."


def _import(client, slug: str, rows: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )


def _gold(i: int, accept: str = "A") -> dict[str, Any]:
    return {
        "id": f"gold-{i}",
        "prompt": f"Careful prompt {i}",
        "candidates": [f"right {i}", f"wrong {i}"],
        "gold": {"expected": {"preference": {"accept": [accept]}}, "feedback": FEEDBACK},
    }


def _regular(i: int) -> dict[str, Any]:
    return {"id": f"item-{i}", "prompt": f"Prompt {i}", "candidates": [f"x {i}", f"y {i}"]}


def _campaign(client, slug: str, rows: list[dict[str, Any]], **extra: Any) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/campaigns", json=pairwise_spec(slug, **extra)).status_code == 201
    imported = _import(client, slug, rows)
    assert imported.status_code == 201, imported.text


def _submit(client, slug: str, task: dict[str, Any], choice: str) -> None:  # type: ignore[no-untyped-def]
    submitted = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 10,
        },
    )
    assert submitted.status_code == 200, submitted.text


def _label_of(task: dict[str, Any], text: str) -> str:
    """The label the annotator saw for the candidate whose text starts with ``text``."""
    return next(c["label"] for c in task["candidates"] if c["content"][0]["text"].startswith(text))


def test_bad_expected_answers_are_refused_with_their_line_numbers(as_user, unique):
    researcher = as_user("researcher")
    slug = f"gold-bad-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    rows = [
        _gold(0),
        {**_gold(1), "gold": {"expected": {"helpfulness": {"accept": ["A"]}}}},
        {**_gold(2), "gold": {"expected": {"preference": {"accept": ["C"]}}}},
        {**_gold(3), "gold": {"expected": {"preference": {"votes": {"A": "up"}}}}},
        {**_gold(4), "gold": {"expected": {}, "feedback": "x" * 2001}},
    ]
    refused = _import(researcher, slug, rows)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "import_invalid"
    by_line = {e["line"]: e["message"] for e in error["details"]["errors"]}
    assert sorted(by_line) == [2, 3, 4, 5]
    assert "no question 'helpfulness'" in by_line[2]
    # "C" is no pairwise choice
    assert "gold.answers.expected.preference.accept.0: Input should be 'A'" in by_line[3]
    assert "bool" not in by_line[3]
    assert "expects 'accept'" in by_line[4]
    assert "gold.answers.feedback: String should have at most 2000" in by_line[5]
    listed = researcher.get(f"/api/campaigns/{slug}/items").json()
    assert listed["total"] == 0


def test_good_expected_answers_are_stored_by_import_position(as_user, unique, db):
    from prefhub.models import Campaign, Item

    researcher = as_user("researcher")
    slug = f"gold-good-{unique}"
    _campaign(researcher, slug, [_gold(0, accept="B"), _regular(0), {**_regular(1), "gold": True}])
    with db() as session:
        rows = session.execute(
            select(Item.external_id, Item.is_gold, Item.gold_expected, Item.gold_feedback)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug)
        ).all()
    found = {r[0]: tuple(r[1:]) for r in rows}
    assert found["gold-0"] == (True, {"preference": {"accept": ["B"]}}, FEEDBACK)
    assert found["item-0"] == (False, None, None)
    assert found["item-1"] == (True, None, None)


def test_gold_is_scored_through_the_shown_order_and_never_revealed(as_user, unique, db):
    from prefhub.models import Judgment

    researcher = as_user("researcher")
    slug = f"check-score-{unique}"
    golds = [_gold(i) for i in range(3)]
    plain_gold = {**_regular(9), "gold": True}  # gold without expected answers: not scored
    _campaign(researcher, slug, [*golds, _regular(0), plain_gold], redundancy=5)
    annotators = [as_user() for _ in range(4)]
    shown_orders = set()
    # Annotators 0-2 pick the imported first candidate ("right") on every gold item, whatever
    # label it was shown under; annotator 3 picks the other one.
    for n, annotator in enumerate(annotators):
        for _ in range(4):
            response = annotator.get(f"/api/annotate/{slug}/next")
            assert response.status_code == 200, response.text
            task = response.json()["task"]
            # Nothing in the payload tells a gold item from another.
            words = ("gold", "expected", "feedback", "accept", "ignores")
            assert not [w for w in words if w in response.text.lower()]
            if task["context"][0]["content"][0]["text"].startswith("Careful"):
                right = _label_of(task, "right")
                shown_orders.add(right)
                wrong = "B" if right == "A" else "A"
                _submit(annotator, slug, task, right if n < 3 else wrong)
            else:
                _submit(annotator, slug, task, "A")
    assert shown_orders == {"A", "B"}  # the shuffle put the right answer under both labels

    with db() as session:
        scores = session.execute(
            select(Judgment.annotator_id, Judgment.gold_score).where(
                Judgment.annotator_id.in_([a.user_id for a in annotators])
            )
        ).all()
    gold_scores = sorted((uid, s) for uid, s in scores if s is not None)
    assert len(gold_scores) == 12
    assert all(s == (0.0 if uid == annotators[3].user_id else 1.0) for uid, s in gold_scores)
    assert sum(1 for _, s in scores if s is None) == 4  # the regular item is not scored

    report = researcher.get(f"/api/campaigns/{slug}/quality/gold")
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["gold_items"] == 3
    assert [(a["seen"], a["correct"], a["accuracy"]) for a in body["annotators"]] == [
        (3, 0, 0.0),
        (3, 3, 1.0),
        (3, 3, 1.0),
        (3, 3, 1.0),
    ]
    assert all("@" not in a["annotator"] for a in body["annotators"])
    assert sorted(
        (i["external_id"], i["seen"], i["correct"], i["accuracy"]) for i in body["items"]
    ) == [(f"gold-{i}", 4, 3, 0.75) for i in range(3)]


def test_a_bad_gold_item_shows_up_with_low_accuracy(as_user, unique):
    researcher = as_user("researcher")
    slug = f"gold-badref-{unique}"
    # gold-1's expected answer is the wrong one: every careful annotator misses it.
    _campaign(researcher, slug, [_gold(0), _gold(1, accept="B")], redundancy=3)
    for _ in range(3):
        annotator = as_user()
        for _ in range(2):
            task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
            _submit(annotator, slug, task, _label_of(task, "right"))
    items = researcher.get(f"/api/campaigns/{slug}/quality/gold").json()["items"]
    assert [(i["external_id"], i["accuracy"]) for i in items] == [("gold-1", 0.0), ("gold-0", 1.0)]
    # A campaign with thousands of gold items lists the worst first, as many as asked.
    worst = researcher.get(f"/api/campaigns/{slug}/quality/gold", params={"limit": 1}).json()
    assert [i["external_id"] for i in worst["items"]] == ["gold-1"]
    assert (worst["items_scored"], worst["annotators_scored"], len(worst["annotators"])) == (
        2,
        3,
        1,
    )
    too_many = researcher.get(f"/api/campaigns/{slug}/quality/gold", params={"limit": 10_001})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "validation_error"


def test_gold_items_are_mixed_in_at_the_configured_rate_for_every_annotator(as_user, unique, db):
    from prefhub.assignments.service import next_task
    from prefhub.assignments.submissions import submit
    from prefhub.models import Campaign, User

    researcher = as_user("researcher")
    slug = f"gold-rate-{unique}"
    rows = [_gold(i) for i in range(40)] + [_regular(i) for i in range(120)]
    _campaign(researcher, slug, rows, redundancy=1, quality={"gold_rate": 0.2})
    rng = random.Random(17)
    served: list[bool] = []
    for annotator_client in (as_user(), as_user()):
        with db() as session:
            campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
            annotator = session.get_one(User, annotator_client.user_id)
            for _ in range(50):
                task = next_task(session, campaign, annotator, rng)
                assert task is not None
                served.append(task.item.is_gold)
                submit(
                    session,
                    campaign,
                    annotator,
                    assignment_id=task.assignment.id,
                    client_id=uuid.uuid4().hex,
                    answers={"preference": {"choice": "A"}},
                    time_spent_ms=5,
                )
    gold = sum(served)
    # 100 tasks at 0.2: about 20 gold (binomial sd 4), each annotator's from all 40 gold items
    # though K is 1: gold is served to every annotator, not limited by redundancy.
    assert 8 <= gold <= 32, gold
    first, second = served[:50], served[50:]
    assert sum(first) >= 3 and sum(second) >= 3


def test_without_a_rate_gold_items_are_served_like_any_other(as_user, unique, db):
    researcher = as_user("researcher")
    slug = f"gold-norate-{unique}"
    _campaign(researcher, slug, [_gold(0)], redundancy=1)
    first, second = as_user(), as_user()
    task = first.get(f"/api/annotate/{slug}/next").json()["task"]
    _submit(first, slug, task, "A")
    assert second.get(f"/api/annotate/{slug}/next").json()["task"] is None


def test_an_annotator_is_not_served_gold_alone_once_real_items_run_out(as_user, unique):
    researcher = as_user("researcher")
    slug = f"gold-alone-{unique}"
    _campaign(
        researcher,
        slug,
        [*(_gold(i) for i in range(5)), _regular(0)],
        redundancy=1,
        quality={"gold_rate": 0.5},
    )
    annotator = as_user()
    seen = []
    while (task := annotator.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        seen.append(task["context"][0]["content"][0]["text"])
        _submit(annotator, slug, task, "A")
        assert len(seen) < 10
    assert seen[-1] == "Prompt 0"  # the stream ends with its last real item


def test_judgments_export_marks_gold_judgments_with_their_score(as_user, unique):
    import json
    from pathlib import Path

    from prefhub.exports.tasks import execute_export

    researcher = as_user("researcher")
    slug = f"gold-export-{unique}"
    _campaign(researcher, slug, [_gold(0), _regular(0)], redundancy=1)
    annotator = as_user()
    for _ in range(2):
        task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
        gold = task["context"][0]["content"][0]["text"].startswith("Careful")
        _submit(annotator, slug, task, _label_of(task, "wrong") if gold else "A")

    def exported(**options: Any) -> dict[str, dict[str, Any]]:
        created = researcher.post(
            f"/api/campaigns/{slug}/exports", json={"format": "judgments", **options}
        )
        assert created.status_code == 202, created.text
        job = execute_export(created.json()["id"])
        assert job is not None and job.folder
        lines = (Path(job.folder) / "judgments.jsonl").read_text().splitlines()
        return {row["item_id"]: row["metadata"] for row in map(json.loads, lines)}

    assert exported(include_gold=True) == {
        "gold-0": {"annotator_id": ANY_STR, "simulated": False, "gold": True, "gold_score": 0.0},
        "item-0": {"annotator_id": ANY_STR, "simulated": False},
    }
    assert list(exported()) == ["item-0"]  # gold left out by default, as before


class _AnyStr(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)

    __hash__ = str.__hash__


ANY_STR = _AnyStr()


def test_an_import_job_stores_expected_answers_too(as_user, unique, db):
    from prefhub.items.tasks import execute_import
    from prefhub.models import Campaign, Item

    researcher = as_user("researcher")
    slug = f"gold-job-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={
            "file": ("x.jsonl", jsonl([_gold(0, accept="B"), _regular(0)]), "application/jsonl")
        },
    )
    assert created.status_code == 202, created.text
    execute_import(created.json()["id"])
    with db() as session:
        rows = session.execute(
            select(Item.external_id, Item.gold_expected, Item.gold_feedback)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug)
        ).all()
    assert {r[0]: (r[1], r[2]) for r in rows} == {
        "gold-0": ({"preference": {"accept": ["B"]}}, FEEDBACK),
        "item-0": (None, None),
    }
    with db() as session:
        sql_null = session.scalar(
            select(func.count())
            .select_from(Item)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug, Item.gold_expected.is_(None))
        )
    assert sql_null == 1  # SQL NULL, not JSON null: a plain item has no expected answers
