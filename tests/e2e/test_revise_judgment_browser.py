"""An annotator revises a past judgment in headless Chromium: from "Your judgments" to the task
screen with the old answer filled in, and back to the list with the new one; the researcher's
data browser holds both revisions."""

from __future__ import annotations

import re

import httpx
import pytest

from support.api import jsonl, login, make_user
from support.browser import signed_in_page, wait_moved_on

pytestmark = pytest.mark.browser


def test_annotator_revises_a_past_judgment_from_their_list(browser, server, db, unique):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"revise-{unique}"
    spec = {
        "name": f"Revise {unique}",
        "slug": slug,
        "redundancy": 1,
        "undo_seconds": 0,  # nothing to undo: revising is the only way back
        "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
    }
    rows = [
        {"id": f"r{i}", "prompt": f"Revise prompt {i}?", "candidates": [f"one {i}", f"two {i}"]}
        for i in range(2)
    ]
    with httpx.Client(base_url=server, timeout=30) as researcher:
        login(researcher, researcher_email)
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        imported = researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("i.jsonl", jsonl(rows), "application/jsonl")},
        )
        assert imported.status_code == 201, imported.text

        page = signed_in_page(
            browser, server, annotator_email, viewport={"width": 1100, "height": 900}
        )
        page.goto(f"{server}/annotate/{slug}")
        task = page.locator('[data-testid="task"]')
        task.wait_for()
        first = task.get_attribute("data-assignment-id")
        page.get_by_test_id("choice-A").click()  # one A/B question: the choice submits
        wait_moved_on(page, first)

        page.goto(f"{server}/annotate/{slug}/judgments")
        (mine,) = page.request.get(f"{server}/api/annotate/{slug}/judgments").json()
        row = page.get_by_test_id(f"my-judgment-{mine['id']}")
        row.wait_for()
        assert "A" in row.locator("dd").inner_text()
        row.get_by_role("link", name=re.compile("revise", re.I)).click()

        # The task screen on that item, the old answer chosen.
        page.wait_for_url(re.compile(rf"/annotate/{slug}/judgments/{mine['id']}/revise$"))
        task.wait_for()
        assert task.get_attribute("data-assignment-id") == first
        assert page.get_by_test_id("choice-A").get_attribute("aria-pressed") == "true"
        assert "revision 1" in page.get_by_role("status").first.inner_text()
        page.get_by_test_id("choice-B").click()

        # Back on the list: the new answer, highlighted, the old one marked as replaced.
        page.wait_for_url(re.compile(rf"/annotate/{slug}/judgments$"))
        page.get_by_text("Saved: your new answer is revision 1.").wait_for()
        listed = page.request.get(f"{server}/api/annotate/{slug}/judgments").json()
        assert [
            (j["revision"], j["latest"], j["answers"]["preference"]["choice"]) for j in listed
        ] == [
            (0, False, "A"),
            (1, True, "B"),
        ]
        fresh = page.get_by_test_id(f"my-judgment-{listed[1]['id']}")
        fresh.wait_for()
        assert fresh.get_attribute("aria-current") == "true"
        assert "revision 1" in fresh.inner_text()
        assert fresh.locator("dd").inner_text().strip() == "B"
        assert "replaced by a later revision" in row.inner_text()
        assert row.get_by_role("link", name=re.compile("revise", re.I)).count() == 0
        assert page.js_errors == []

        # The researcher's data browser shows the item's two revisions, the latest current.
        detail = researcher.get(f"/api/campaigns/{slug}/items/{mine['item_id']}/detail")
        assert detail.status_code == 200, detail.text
        judgments = detail.json()["judgments"]
        assert [
            (j["revision"], j["is_current"], j["answers"]["preference"]["choice"])
            for j in judgments
        ] == [(0, False, "A"), (1, True, "B")]
        assert judgments[1]["supersedes_id"] == judgments[0]["id"]
