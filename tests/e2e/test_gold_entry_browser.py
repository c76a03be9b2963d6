"""Gold answers entered in the data browser, in headless Chromium: a researcher opens an item,
sees its candidates by import letter, marks it gold with the expected choice and feedback; an
annotator then answers it wrongly, and the gold report shows the miss."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from support.api import items, jsonl, judge_next, login, make_user, pairwise_spec
from support.browser import signed_in_page

pytestmark = pytest.mark.browser

RIGHT, WRONG = "It is 0.", "It is 1, I think."  # item-0's candidates A and B (support.api.items)


def test_a_researcher_marks_an_item_gold_and_a_wrong_answer_shows_as_a_miss(
    browser, server, db, unique
):
    slug = f"gold-ui-{unique}"
    researcher_email = f"r-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(2)))}
    )
    assert imported.status_code == 201, imported.text
    listed = researcher.get(f"/api/campaigns/{slug}/items/browse").json()["items"]
    item_id = next(i["id"] for i in listed if i["external_id"] == "item-0")

    page = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1400, "height": 1200}
    )
    page.goto(f"{server}/admin/campaigns/{slug}/data/items/{item_id}")
    page.get_by_role("heading", name="Item item-0").wait_for()
    form = page.get_by_role("form", name="Gold answer")
    form.wait_for()
    assert form.get_by_test_id("gold-candidate-A").inner_text() == f"A — {RIGHT}"
    assert form.get_by_test_id("gold-candidate-B").inner_text() == f"B — {WRONG}"
    question = form.get_by_role("group", name="Expected answer: preference")
    question.get_by_label("Check answers to this question").check()
    question.get_by_role("checkbox", name="A", exact=True).check()
    form.get_by_label("Feedback").fill("B gets the sum wrong.")
    form.get_by_role("button", name="Mark as gold").click()
    form.get_by_role("status").filter(has_text="0 judgments re-scored").wait_for()
    page.get_by_test_id("gold-state").filter(has_text="Gold: answers are scored").wait_for()
    assert page.js_errors == []

    stored = researcher.get(f"/api/campaigns/{slug}/items/{item_id}/gold").json()
    assert stored["is_gold"] is True
    assert stored["expected"]["preference"]["accept"] == ["A"]
    assert stored["feedback"] == "B gets the sum wrong."

    # An annotator picks the wrong candidate under whatever label it was shown.
    annotator_email = f"a-{unique}@example.org"
    make_user(db, annotator_email, "annotator")
    with httpx.Client(base_url=server, timeout=30) as annotator:
        login(annotator, annotator_email)

        def wrong(task: dict[str, Any]) -> dict[str, Any]:
            assert task["context"][0]["content"][0]["text"].startswith("Question 0")
            label = next(c["label"] for c in task["candidates"] if c["content"][0]["text"] == WRONG)
            return {"preference": {"choice": label}}

        judge_next(annotator, slug, wrong)

    report = researcher.get(f"/api/campaigns/{slug}/quality/gold").json()
    assert report["gold_items"] == 1
    assert [(a["seen"], a["correct"], a["accuracy"]) for a in report["annotators"]] == [(1, 0, 0.0)]
    assert [(i["external_id"], i["seen"], i["correct"]) for i in report["items"]] == [
        ("item-0", 1, 0)
    ]
    researcher.close()

    # The item page shows the judgment, and the form still holds the expected answer.
    page.reload()
    page.get_by_role("heading", name="Item item-0").wait_for()
    judgments = page.get_by_role("table", name="Judgments of this item").locator("tbody tr")
    judgments.first.wait_for()
    assert judgments.count() == 1
    question = page.get_by_role("group", name="Expected answer: preference")
    assert question.get_by_role("checkbox", name="A", exact=True).is_checked()
    assert not question.get_by_role("checkbox", name="B", exact=True).is_checked()
    assert re.search(r"B gets the sum wrong", page.get_by_label("Feedback").input_value())
