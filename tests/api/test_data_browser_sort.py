"""The data browser sorts items by their disagreement score, highest first and back, keyset
paged, with the filters, bounded."""

from __future__ import annotations

from typing import Any

import pytest

from support.api import jsonl, judge_next, pairwise_spec

RIGHT, WRONG = "It is right.", "It is wrong, I think."


def _judge(client: Any, slug: str, choice: str) -> None:
    """Take the next task and answer it: the right or the wrong answer, or a tie."""

    def answers(task: dict[str, Any]) -> dict[str, Any]:
        if choice == "tie":
            return {"preference": {"choice": "tie"}}
        text = RIGHT if choice == "right" else WRONG
        label = next(c["label"] for c in task["candidates"] if c["content"][0]["text"] == text)
        return {"preference": {"choice": label}}

    judge_next(client, slug, answers, time_spent_ms=900)


@pytest.fixture
def graded(as_user, unique):  # type: ignore[no-untyped-def]
    """(researcher, slug) of a K=3 campaign: q-0 unanimous, q-1 split 2 to 1, q-2 three ways
    (right, wrong, tie), q-3 judged once, q-4 not judged."""
    owner = as_user("researcher")
    slug = f"browse-sort-{unique}"
    assert owner.post("/api/campaigns", json=pairwise_spec(slug, redundancy=3)).status_code == 201
    rows = [
        {
            "id": f"q-{i}",
            "prompt": f"Prompt {i}?",
            "candidates": [
                {"content": RIGHT, "model": "good-model"},
                {"content": WRONG, "model": "bad-model"},
            ],
        }
        for i in range(5)
    ]
    imported = owner.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(rows))}
    )
    assert imported.status_code == 201, imported.text
    # Each annotator is served q-0, q-1, ... in order.
    for answers in (["right"] * 4, ["right", "right", "wrong"], ["right", "wrong", "tie"]):
        person = as_user()
        for choice in answers:
            _judge(person, slug, choice)
    return owner, slug


def _browse(client: Any, slug: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{slug}/items/browse", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_items_sort_by_disagreement_highest_first_and_back(graded) -> None:  # type: ignore[no-untyped-def]
    owner, slug = graded
    page = _browse(owner, slug, sort="disagreement_desc")
    order = [row["external_id"] for row in page["items"]]
    scores = {row["external_id"]: row["disagreement"] for row in page["items"]}
    assert order == ["q-2", "q-1", "q-0", "q-3", "q-4"]
    assert scores["q-2"] > scores["q-1"] > 0 == scores["q-0"] == scores["q-3"] == scores["q-4"]
    assert page["total"] == 5 and page["next_after"] is None
    # Lowest first: the unanimous and unjudged by id, then the split ones.
    lowest = [row["external_id"] for row in _browse(owner, slug, sort="disagreement_asc")["items"]]
    assert lowest == ["q-0", "q-3", "q-4", "q-1", "q-2"]
    # The default stays by id.
    by_id = [row["external_id"] for row in _browse(owner, slug)["items"]]
    assert by_id == ["q-0", "q-1", "q-2", "q-3", "q-4"]


def test_a_sorted_listing_pages_on_from_the_last_item_and_keeps_the_filters(graded) -> None:  # type: ignore[no-untyped-def]
    owner, slug = graded
    seen: list[str] = []
    totals: list[int | None] = []
    params: dict[str, Any] = {"sort": "disagreement_desc", "limit": 2}
    while True:
        page = _browse(owner, slug, **params)
        seen += [row["external_id"] for row in page["items"]]
        totals.append(page["total"])
        if page["next_after"] is None:
            break
        params["after"] = page["next_after"]
    assert seen == ["q-2", "q-1", "q-0", "q-3", "q-4"]
    assert totals == [5, None, None]
    split = _browse(owner, slug, sort="disagreement_asc", has_disagreement=True)
    assert [row["external_id"] for row in split["items"]] == ["q-1", "q-2"]
    assert split["total"] == 2
    strong = _browse(owner, slug, sort="disagreement_desc", min_disagreement=0.99)
    assert [row["external_id"] for row in strong["items"]] == ["q-2"]


def test_a_bad_or_too_broad_sort_is_a_422_with_a_stable_code(graded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prefhub.items import browser

    owner, slug = graded
    url = f"/api/campaigns/{slug}/items/browse"
    for sort in ("disagreement", "score_desc", ""):
        response = owner.get(url, params={"sort": sort})
        assert response.status_code == 422, (sort, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    monkeypatch.setattr(browser, "MAX_SORTED", 2)
    response = owner.get(url, params={"sort": "disagreement_desc"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "sort_too_broad"
    assert error["details"] == {"judged_items": 3, "max": 2}
    # Narrowed by the filters, the same sort answers.
    narrowed = _browse(owner, slug, sort="disagreement_desc", judgments_max=2)
    assert [row["external_id"] for row in narrowed["items"]] == ["q-3", "q-4"]


def test_another_researcher_cannot_sort_a_campaign_they_do_not_manage(graded, as_user) -> None:  # type: ignore[no-untyped-def]
    _, slug = graded
    stranger = as_user("researcher")
    response = stranger.get(
        f"/api/campaigns/{slug}/items/browse", params={"sort": "disagreement_desc"}
    )
    assert response.status_code in (403, 404)
    annotator = as_user()
    response = annotator.get(
        f"/api/campaigns/{slug}/items/browse", params={"sort": "disagreement_desc"}
    )
    assert response.status_code in (403, 404)
