"""The data browser in headless Chromium: a researcher filters the items to those judged,
opens one, sees its context, candidates and both judgments by pseudonym, and follows one
annotator to their judgments."""

from __future__ import annotations

import re

import httpx
import pytest

from support.api import items, jsonl, judge_next, login, make_user, pairwise_spec
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser


def test_a_researcher_filters_opens_an_item_and_sees_its_judgments(browser, server, db, unique):
    slug = f"data-{unique}"
    researcher_email = f"r-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    with httpx.Client(base_url=server, timeout=30) as researcher:
        login(researcher, researcher_email)
        assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(4)))}
        )
        assert imported.status_code == 201, imported.text
    for n in range(2):
        email = f"a{n}-{unique}@example.org"
        make_user(db, email, "annotator")
        with httpx.Client(base_url=server, timeout=30) as annotator:
            login(annotator, email)
            judge_next(annotator, slug, {"preference": {"choice": "A"}})  # both get item-0

    page = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    page.goto(f"{server}/admin/campaigns/{slug}")
    page.get_by_role("link", name="Browse items and judgments →").click()
    page.get_by_test_id(re.compile(r"item-row-\d+")).first.wait_for()
    assert page.get_by_text("4 items match").is_visible()
    save_screenshot(page, "data-browser-items")

    filters = page.get_by_role("form", name="Item filters")
    filters.get_by_label("Judgments ≥").fill("1")
    filters.get_by_role("button", name="Apply filters").click()
    page.get_by_text("1 item matches").wait_for()
    rows = page.get_by_role("table", name="Items").locator("tbody tr")
    assert rows.count() == 1
    row = rows.first
    assert "2 of 2" in row.inner_text()
    assert "complete: 2 of 2 judgments" in row.inner_text()

    row.get_by_role("link", name="item-0").click()
    page.get_by_role("heading", name="Item item-0").wait_for()
    assert page.get_by_text("Question 0: what is 0 + 0?").is_visible()
    assert page.get_by_text("good-model").first.is_visible()
    judgments = page.get_by_role("table", name="Judgments of this item").locator("tbody tr")
    assert judgments.count() == 2
    pseudonyms = [
        judgments.nth(i).get_by_role("link", name=re.compile(r"^ann-[0-9a-f]{16}$")).inner_text()
        for i in range(2)
    ]
    assert len(set(pseudonyms)) == 2
    assert "@" not in page.content().split("<main", 1)[1]  # no e-mail anywhere on the page
    save_screenshot(page, "data-browser-item")

    judgments.first.get_by_role("link", name=pseudonyms[0]).click()
    page.get_by_label("Annotator").wait_for()
    assert page.get_by_label("Annotator").input_value() == pseudonyms[0]
    theirs = page.get_by_role("table", name="Judgments").locator("tbody tr")
    theirs.first.wait_for()
    assert theirs.count() == 1
    assert pseudonyms[0] in theirs.first.inner_text()

    # Back to the items: the filter is still applied.
    page.go_back()
    page.go_back()
    page.get_by_text("1 item matches").wait_for()
