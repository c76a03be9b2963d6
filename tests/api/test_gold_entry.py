"""The data browser's gold form: ``PUT /api/campaigns/{slug}/items/{item_id}/gold`` makes an
item gold with expected answers (checked as the import checks them) and feedback, and re-scores
the judgments it already has in the same transaction; ``DELETE`` makes it ordinary again and
clears their scores. Only who manages the campaign may; another campaign's item is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from support.api import jsonl, judge_next, pairwise_spec

RIGHT, WRONG = "The right answer.", "A wrong answer."


def _campaign(client, slug: str, rows: list[dict[str, Any]], spec: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/campaigns", json=spec).status_code == 201
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("x.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _item_id(client, slug: str, external_id: str) -> int:  # type: ignore[no-untyped-def]
    listed = client.get(f"/api/campaigns/{slug}/items/browse", params={"search": external_id})
    return next(i["id"] for i in listed.json()["items"] if i["external_id"] == external_id)


def _answer_pairwise(client, slug: str, pick_right: bool) -> None:  # type: ignore[no-untyped-def]
    def choose(task: dict[str, Any]) -> dict[str, Any]:
        right = next(c["label"] for c in task["candidates"] if c["content"][0]["text"] == RIGHT)
        return {"preference": {"choice": right if pick_right else "B" if right == "A" else "A"}}

    judge_next(client, slug, choose)


def _scores(db, item_id: int) -> list[float | None]:  # type: ignore[no-untyped-def]
    from prefhub.models import Judgment

    with db() as session:
        return list(
            session.scalars(
                select(Judgment.gold_score).where(Judgment.item_id == item_id).order_by(Judgment.id)
            )
        )


def test_marking_an_item_gold_rescores_its_judgments_and_clearing_it_clears_them(
    as_user, unique, db
):
    researcher = as_user("researcher")
    slug = f"gold-entry-{unique}"
    row = {"id": "q-0", "prompt": "Pick the right one", "candidates": [RIGHT, WRONG]}
    _campaign(researcher, slug, [row], pairwise_spec(slug, redundancy=3))
    careful, careless = as_user(), as_user()
    _answer_pairwise(careful, slug, pick_right=True)
    _answer_pairwise(careless, slug, pick_right=False)
    item_id = _item_id(researcher, slug, "q-0")
    assert _scores(db, item_id) == [None, None]
    url = f"/api/campaigns/{slug}/items/{item_id}/gold"
    assert researcher.get(url).json() == {
        "item_id": item_id,
        "is_gold": False,
        "expected": None,
        "feedback": None,
    }

    # A is the candidate imported first: the right one.
    body = {"expected": {"preference": {"accept": ["A"]}}, "feedback": "A answers it."}
    put = researcher.put(url, json=body)
    assert put.status_code == 200, put.text
    assert put.json()["is_gold"] is True and put.json()["rescored"] == 2
    assert put.json()["expected"]["preference"]["accept"] == ["A"]
    assert _scores(db, item_id) == [1.0, 0.0]
    report = researcher.get(f"/api/campaigns/{slug}/quality/gold").json()
    assert report["gold_items"] == 1
    assert sorted(a["accuracy"] for a in report["annotators"]) == [0.0, 1.0]
    assert [(i["external_id"], i["seen"], i["correct"]) for i in report["items"]] == [("q-0", 2, 1)]
    got = researcher.get(url).json()
    assert got["feedback"] == "A answers it." and got["expected"]["preference"]["accept"] == ["A"]

    # Changed expected answers re-score the same judgments; a tie now counts too.
    flipped = researcher.put(url, json={"expected": {"preference": {"accept": ["B", "tie"]}}})
    assert flipped.status_code == 200, flipped.text
    assert flipped.json()["feedback"] is None
    assert _scores(db, item_id) == [0.0, 1.0]

    cleared = researcher.delete(url)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {
        "item_id": item_id,
        "is_gold": False,
        "expected": None,
        "feedback": None,
        "rescored": 2,
    }
    assert _scores(db, item_id) == [None, None]
    report = researcher.get(f"/api/campaigns/{slug}/quality/gold").json()
    assert (report["gold_items"], report["annotators"], report["items"]) == (0, [], [])
    browsed = researcher.get(f"/api/campaigns/{slug}/items/browse", params={"gold": "true"})
    assert browsed.json()["items"] == []


def test_a_gold_flag_without_expected_answers_scores_nothing(as_user, unique, db):
    researcher = as_user("researcher")
    slug = f"gold-flag-{unique}"
    row = {"id": "q-0", "prompt": "Pick", "candidates": [RIGHT, WRONG]}
    _campaign(researcher, slug, [row], pairwise_spec(slug, redundancy=2))
    _answer_pairwise(as_user(), slug, pick_right=True)
    item_id = _item_id(researcher, slug, "q-0")
    put = researcher.put(f"/api/campaigns/{slug}/items/{item_id}/gold", json={"expected": {}})
    assert put.status_code == 200, put.text
    assert (put.json()["is_gold"], put.json()["expected"]) == (True, None)
    assert _scores(db, item_id) == [None]


EVERY_KIND = [
    {"kind": "pairwise", "id": "preference", "prompt": "?", "allow_tie": False},
    {"kind": "ranking", "id": "ranking", "prompt": "?"},
    {"kind": "binary", "id": "acceptable", "prompt": "?"},
    {"kind": "negative_only", "id": "unacceptable", "prompt": "?"},
    {
        "kind": "rating",
        "id": "rating",
        "prompt": "?",
        "attributes": [{"id": "helpful", "label": "Helpful", "scale": {"min": 0, "max": 4}}],
    },
    {"kind": "text", "id": "why", "prompt": "?"},
]


@pytest.fixture
def every_kind(as_user, unique):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"gold-kinds-{unique}"
    spec = {**pairwise_spec(slug), "questions": EVERY_KIND}
    row = {"id": "three", "prompt": "Which?", "candidates": ["one", "two", "three"]}
    _campaign(researcher, slug, [row], spec)
    return researcher, f"/api/campaigns/{slug}/items/{_item_id(researcher, slug, 'three')}/gold"


@pytest.mark.parametrize(
    ("expected", "field", "message"),
    [
        ({"nope": {"accept": ["A"]}}, "gold.expected.nope", "the campaign has no question 'nope'"),
        ({"why": {"accept": ["A"]}}, "gold.expected.why", "a text question cannot be"),
        (
            {"preference": {"accept": ["A", "tie"]}},
            "gold.expected.preference.accept",
            "does not allow a tie",
        ),
        ({"preference": {"votes": {"A": "up"}}}, "gold.expected.preference", "expects 'accept'"),
        ({"ranking": {"order": ["A", "D"]}}, "gold.expected.ranking", "no candidate 'D'"),
        ({"ranking": {"order": ["A", "A"]}}, "gold.expected.ranking.order", "appears twice"),
        ({"ranking": {"accept": ["A"]}}, "gold.expected.ranking", "expects 'order' or 'top'"),
        ({"acceptable": {"votes": {"E": "up"}}}, "gold.expected.acceptable", "no candidate 'E'"),
        (
            {"unacceptable": {"unacceptable": ["A"], "borderline": ["A"]}},
            "gold.expected.unacceptable.borderline",
            "both unacceptable and borderline",
        ),
        (
            {"rating": {"scores": {"A": {"helpful": {"value": 7}}}}},
            "gold.expected.rating.scores.A.helpful",
            "between 0 and 4",
        ),
        (
            {"rating": {"scores": {"A": {"honest": {"value": 1}}}}},
            "gold.expected.rating.scores.A.honest",
            "no such attribute",
        ),
    ],
)
def test_expected_answers_that_do_not_fit_are_refused_per_kind(
    every_kind, db, expected, field, message
):
    researcher, url = every_kind
    refused = researcher.put(url, json={"expected": expected, "feedback": "x"})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_gold_answer"
    assert error["details"][0]["field"] == field
    assert message in error["details"][0]["message"]
    assert researcher.get(url).json()["is_gold"] is False  # nothing changed


@pytest.mark.parametrize(
    "body",
    [
        {"expected": {"preference": {"accept": ["C"]}}},  # no such pairwise choice
        {"expected": {"preference": {"accept": ["A"], "order": ["A", "B"]}}},
        {"expected": {"ranking": {"top": ["A"], "pass_share": 0.5}}},
        {"expected": {"ranking": {"order": ["A", "B"], "pass_share": 1.5}}},
        {"expected": {"rating": {"scores": {"A": {"helpful": {"value": 2, "tolerance": -1}}}}}},
        {"expected": {}, "feedback": "x" * 2001},
        {"expected": {f"q{i}": {"accept": ["A"]} for i in range(21)}},
        {"expected": {"preference": {"accept": ["A"]}}, "extra": 1},
        {"expected": []},
    ],
)
def test_malformed_or_oversized_bodies_are_refused(every_kind, body):
    researcher, url = every_kind
    refused = researcher.put(url, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "validation_error"


def test_every_kind_takes_its_expected_answer_and_accepted_sets(every_kind):
    researcher, url = every_kind
    expected = {
        "preference": {"accept": ["A", "both_bad"]},
        "ranking": {"order": ["C", "A", "B"], "pass_share": 0.6},
        "acceptable": {"votes": {"A": "up", "C": "down"}},
        "unacceptable": {"unacceptable": ["C"], "borderline": ["B"]},
        "rating": {"scores": {"A": {"helpful": {"value": 3, "tolerance": 1}}}},
    }
    put = researcher.put(url, json={"expected": expected, "feedback": "Why: C is off topic."})
    assert put.status_code == 200, put.text
    stored = researcher.get(url).json()["expected"]
    assert {
        qid: {k: v for k, v in answer.items() if v is not None} for qid, answer in stored.items()
    } == {**expected, "rating": {"scores": {"A": {"helpful": {"value": 3, "tolerance": 1}}}}}
    top = researcher.put(url, json={"expected": {"ranking": {"top": ["C"]}}})
    assert top.status_code == 200, top.text


def test_only_who_manages_the_campaign_may_and_only_its_own_items(as_user, unique, db):
    researcher, other = as_user("researcher"), as_user("researcher")
    slug, elsewhere = f"gold-own-{unique}", f"gold-else-{unique}"
    row = {"id": "q-0", "prompt": "Pick", "candidates": [RIGHT, WRONG]}
    _campaign(researcher, slug, [row], pairwise_spec(slug))
    _campaign(other, elsewhere, [row], pairwise_spec(elsewhere))
    item_id = _item_id(researcher, slug, "q-0")
    foreign = _item_id(other, elsewhere, "q-0")
    body = {"expected": {"preference": {"accept": ["A"]}}}

    # Another campaign's item through this campaign's path: 404 as for no item at all.
    for method in ("GET", "PUT", "DELETE"):
        response = researcher.request(
            method, f"/api/campaigns/{slug}/items/{foreign}/gold", json=body
        )
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "item_not_found"
    missing = researcher.put(f"/api/campaigns/{slug}/items/{2**31 - 1}/gold", json=body)
    assert missing.json()["error"]["code"] == "item_not_found"
    too_big = researcher.put(f"/api/campaigns/{slug}/items/{2**31}/gold", json=body)
    assert too_big.status_code == 422

    # A researcher who does not manage it: the campaign does not exist for them.
    refused = other.put(f"/api/campaigns/{slug}/items/{item_id}/gold", json=body)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "campaign_not_found"
    annotator = as_user().put(f"/api/campaigns/{slug}/items/{item_id}/gold", json=body)
    assert annotator.status_code == 403, annotator.text
    assert researcher.get(f"/api/campaigns/{slug}/items/{item_id}/gold").json()["is_gold"] is False
    with db() as session:
        from prefhub.models import Item

        assert session.get_one(Item, foreign).gold_expected is None
