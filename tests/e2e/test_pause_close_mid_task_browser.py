"""Pausing and closing a campaign while an annotator is mid-task, in headless Chromium against a
live server: the answer they were giving is stored (the task they hold is theirs to finish), and
the task screen then tells them the campaign is paused or closed instead of handing out a new
task or showing an error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support.api import jsonl, login, make_user
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser


def _campaign(researcher: httpx.Client, slug: str, n_items: int) -> None:
    # A choice and a reason: choosing alone does not submit, so the annotator can be mid-task.
    spec = {
        "name": f"Mid-task {slug}",
        "slug": slug,
        "guidelines": "Pick the better answer and say why.",
        "redundancy": 1,
        "questions": [
            {"kind": "pairwise", "id": "preference", "prompt": "Which is better?"},
            {"kind": "text", "id": "why", "prompt": "Why?"},
        ],
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    rows = [
        {"id": f"m{i}", "prompt": f"Prompt {i}?", "candidates": [f"A{i}", f"B{i}"]}
        for i in range(n_items)
    ]
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("m.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _reasons(researcher: httpx.Client, slug: str) -> list[str]:
    """The stored judgments' reasons, as the researcher's judgments table holds them."""
    response = researcher.get(f"/api/campaigns/{slug}/judgments")
    assert response.status_code == 200, response.text
    judgments = response.json()["judgments"]
    assert {j["answers"]["preference"]["choice"] for j in judgments} <= {"A"}
    return sorted(j["answers"]["why"]["text"] for j in judgments)


def _expect_told(page: Any, status: str, saved: str) -> None:
    """The task screen says the campaign is ``status`` and that nothing was lost: no task, no
    error."""
    from playwright.sync_api import expect

    told = page.get_by_test_id("campaign-stopped")
    expect(told).to_have_attribute("data-status", status)
    expect(told.get_by_role("heading")).to_have_text(f"This campaign is {status}")
    expect(told).to_contain_text(saved)
    expect(page.get_by_test_id("task")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)


def _answer_partway(page: Any, reason: str) -> str:
    """Choose A and write a reason on the task shown, without submitting; its assignment id."""
    from playwright.sync_api import expect

    task = page.get_by_test_id("task")
    expect(task).to_have_attribute("aria-busy", "false")
    page.get_by_test_id("choice-A").click()
    expect(page.get_by_test_id("choice-A")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("text-why").fill(reason)
    expect(page.get_by_test_id("submit")).to_be_enabled()
    return str(task.get_attribute("data-assignment-id"))


def _set_status(panel: Any, button: str, badge: str) -> None:
    from playwright.sync_api import expect

    panel.get_by_role("button", name=button, exact=True).click()
    expect(panel.locator(".badge")).to_have_text(badge)


def test_pause_then_close_mid_task_keeps_the_answer_and_tells_the_annotator(
    browser, server, db, unique
):
    from playwright.sync_api import expect

    researcher_email, annotator_email = f"res-{unique}@example.org", f"ann-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"midtask-{unique}"
    api = httpx.Client(base_url=server, timeout=30)
    login(api, researcher_email)
    _campaign(api, slug, 4)

    researcher = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1280, "height": 900}
    )
    researcher.goto(f"{server}/admin/campaigns/{slug}")
    panel = researcher.get_by_role("region", name="Campaign status")
    expect(panel.locator(".badge")).to_have_text("active")

    annotator = signed_in_page(browser, server, annotator_email)
    annotator.goto(f"{server}/annotate/{slug}")
    first = _answer_partway(annotator, "paused mid-task")

    # Paused while the annotator is mid-task: their answer is stored, then they are told.
    _set_status(panel, "Pause", "paused")
    annotator.get_by_test_id("submit").click()
    _expect_told(annotator, "paused", "Your last answer was saved.")
    assert _reasons(api, slug) == ["paused mid-task"]
    save_screenshot(annotator, "annotator-campaign-paused")
    annotator.reload()
    _expect_told(annotator, "paused", "Every answer you submitted is saved.")

    # Resumed: "Check again" hands out the next task.
    _set_status(panel, "Resume", "active")
    annotator.get_by_role("button", name="Check again").click()
    annotator.get_by_test_id("task").wait_for()
    held = str(annotator.get_by_test_id("task").get_attribute("data-assignment-id"))
    expect(annotator.get_by_test_id("campaign-stopping")).to_have_count(0)

    # Paused while the page sits idle: a reload gives the held task back, saying it is the last.
    _set_status(panel, "Pause", "paused")
    annotator.reload()
    expect(annotator.get_by_test_id("task")).to_have_attribute("data-assignment-id", held)
    expect(annotator.get_by_test_id("campaign-stopping")).to_contain_text(
        "This campaign is paused: finish this task and your answer will be saved"
    )
    assert _answer_partway(annotator, "held through a pause") == held
    annotator.get_by_test_id("submit").click()
    _expect_told(annotator, "paused", "Your last answer was saved.")
    assert _reasons(api, slug) == ["held through a pause", "paused mid-task"]

    # Closed while the annotator is mid-task: the same, and for good.
    _set_status(panel, "Resume", "active")
    annotator.get_by_role("button", name="Check again").click()
    last = _answer_partway(annotator, "closed mid-task")
    assert len({first, held, last}) == 3
    _set_status(panel, "Close", "closed")
    annotator.get_by_test_id("submit").click()
    _expect_told(annotator, "closed", "Your last answer was saved.")
    expect(annotator.get_by_role("button", name="Check again")).to_have_count(0)
    annotator.reload()
    _expect_told(annotator, "closed", "Every answer you submitted is saved.")

    assert _reasons(api, slug) == ["closed mid-task", "held through a pause", "paused mid-task"]
    assert researcher.js_errors == [] and annotator.js_errors == []
    api.close()
