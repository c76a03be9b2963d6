"""Editing a campaign's spec in headless Chromium: a researcher removes an aspect annotators
answered, is warned with the number of judgments affected, confirms, and finds version 2 in the
Versions panel with the removal in its diff."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from support.api import items, jsonl, judge_next, login, make_user, pairwise_spec
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser

ANSWERS = {"preference": {"choice": "A", "aspects": {"clarity": "A", "safety": "tie"}}}


def test_a_researcher_removes_an_answered_choice_after_a_warning_and_gets_a_new_version(
    browser, server, db, unique
):
    slug = f"edit-{unique}"
    researcher_email = f"r-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    annotator_email = f"a-{unique}@example.org"
    make_user(db, annotator_email, "annotator")
    spec = pairwise_spec(slug, redundancy=1)
    spec["questions"][0]["aspects"] = [
        {"id": "clarity", "label": "Clarity"},
        {"id": "safety", "label": "Safety"},
    ]
    with httpx.Client(base_url=server, timeout=30) as researcher:
        login(researcher, researcher_email)
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(3)))}
        )
        assert imported.status_code == 201, imported.text
        stored = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    with httpx.Client(base_url=server, timeout=30) as annotator:
        login(annotator, annotator_email)
        judge_next(annotator, slug, ANSWERS)
        judge_next(annotator, slug, ANSWERS)

    page = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    page.goto(f"{server}/admin/campaigns/{slug}")
    page.get_by_role("button", name="Edit spec").click()
    stored["questions"][0]["aspects"] = [{"id": "clarity", "label": "Clarity"}]
    page.get_by_label("Spec (JSON)").fill(json.dumps(stored, indent=2))
    page.get_by_role("button", name="Save as version 2").click()

    dialog = page.get_by_role("dialog", name="Save as version 2?")
    warning = dialog.get_by_role("list", name="Answers this change invalidates")
    warning.wait_for()
    assert re.search(
        r"questions\[preference\]\.aspects\[safety\]: Aspect 'safety' is no longer offered; "
        r"stored answers chose it \(2 judgments affected\)",
        warning.inner_text(),
    ), warning.inner_text()
    dialog.get_by_role("button", name="Save anyway").click()
    page.get_by_role("status").filter(has_text="Saved as version 2.").wait_for()

    versions = page.get_by_role("table", name="Spec versions")
    versions.get_by_role("row").nth(2).wait_for()
    rows = [
        [cell.inner_text().strip() for cell in row.get_by_role("cell").all()]
        for row in versions.get_by_role("row").all()[1:]
    ]
    assert [(r[0], r[3]) for r in rows] == [("1", "2"), ("2 current", "0")]
    diff = page.get_by_role("table", name="Changes from version 1 to 2")
    diff.wait_for()
    save_screenshot(page, "spec-versions-diff", show=page.get_by_role("heading", name="Versions"))
    change = diff.get_by_role("row").nth(1).get_by_role("cell").all_inner_texts()
    assert change == [
        "questions[preference].aspects[safety]",
        "removed",
        '{"id":"safety","label":"Safety","description":""}',
        "—",
    ]
    assert page.js_errors == []
