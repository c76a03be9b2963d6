"""The qualification phase in headless Chromium against a live server: the researcher's campaign
page says a campaign has too few gold items for its qualification phase, and refuses to
activate it; an annotator answers the qualification tasks, sees feedback after each (in the
labels they saw) with a Continue button, and on failing sees the polite stop page with the
screen-out code; another passes and gets a real task."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support.api import jsonl, login, make_user
from support.browser import save_screenshot, shown_candidates, signed_in_page

pytestmark = pytest.mark.browser

TASKS = 2


def _gold(i: int) -> dict[str, Any]:
    return {
        "id": f"gold-{i}",
        "prompt": f"Careful prompt {i}",
        "candidates": [f"right {i}", f"wrong {i}"],
        "gold": {
            "expected": {"preference": {"accept": ["A"]}},
            "feedback": f"The right one answers prompt {i}.",
        },
    }


def _import(api: httpx.Client, slug: str, rows: list[dict[str, Any]]) -> None:
    imported = api.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("q.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _answer(page: Any, *, right: bool, n: int) -> None:
    """Answer the gold task shown (a single A/B question submits on the click), then check the
    feedback panel: progress, verdict, the expected answer under the label shown, the text."""
    from playwright.sync_api import expect

    task = page.get_by_test_id("task")
    expect(task).to_have_attribute("aria-busy", "false")
    shown = shown_candidates(page)
    right_label = next(label for label, text in shown.items() if text.startswith("right"))
    wrong_label = next(label for label in shown if label != right_label)
    page.get_by_test_id(f"choice-{right_label if right else wrong_label}").click()
    panel = page.get_by_test_id("qualification-feedback")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("qualification-progress")).to_have_text(
        f"Qualification task {n} of {TASKS}"
    )
    expect(panel.get_by_role("heading")).to_have_text("Correct" if right else "Not quite")
    expect(panel.get_by_test_id("qualification-expected")).to_have_text(
        f"Which is better? — expected: {right_label}"
    )
    expect(panel.get_by_test_id("qualification-explanation")).to_have_text(
        "The right one answers prompt " + shown[right_label].removeprefix("right ") + "."
    )
    # The next task waits for Continue (focused: Enter goes on).
    expect(panel.get_by_test_id("qualification-continue")).to_be_focused()


def test_qualification_feedback_then_stop_page_or_real_tasks(browser, server, db, unique):
    from playwright.sync_api import expect

    researcher_email = f"res-{unique}@example.org"
    failing_email, passing_email = f"fail-{unique}@example.org", f"pass-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, failing_email, "annotator")
    make_user(db, passing_email, "annotator")
    slug = f"qual-{unique}"
    api = httpx.Client(base_url=server, timeout=30)
    login(api, researcher_email)
    spec = {
        "name": f"Qualified {slug}",
        "slug": slug,
        "status": "draft",
        "redundancy": 2,
        "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
        "quality": {
            "qualification": {"tasks": TASKS, "pass_mark": 1.0, "screen_out_code": "NOPE-42"}
        },
    }
    assert api.post("/api/campaigns", json=spec).status_code == 201
    _import(api, slug, [_gold(0)])

    # Too little gold: the campaign page refuses to activate, and says why.
    researcher = signed_in_page(browser, server, researcher_email, r"/admin$")
    researcher.goto(f"{server}/admin/campaigns/{slug}")
    panel = researcher.get_by_role("region", name="Campaign status")
    expect(panel.get_by_test_id("not-enough-gold")).to_contain_text(
        f"needs {TASKS} gold items with expected answers and this campaign has 1"
    )
    panel.get_by_role("button", name="Activate", exact=True).click()
    expect(panel.get_by_role("alert")).to_contain_text(
        f"needs {TASKS} gold items with expected answers and the campaign has 1"
    )
    expect(panel.locator(".badge")).to_have_text("draft")

    _import(
        api,
        slug,
        [_gold(1), _gold(2), _gold(3)]
        + [
            {"id": f"item-{i}", "prompt": f"Plain prompt {i}", "candidates": [f"x {i}", f"y {i}"]}
            for i in range(3)
        ],
    )
    researcher.reload()
    expect(panel.locator(".badge")).to_have_text("draft")
    expect(panel.get_by_test_id("not-enough-gold")).to_have_count(0)
    panel.get_by_role("button", name="Activate", exact=True).click()
    expect(panel.locator(".badge")).to_have_text("active")

    # One right, one wrong against a pass mark of 1: feedback each time, then the stop page.
    failing = signed_in_page(browser, server, failing_email)
    failing.goto(f"{server}/annotate/{slug}")
    _answer(failing, right=True, n=1)
    failing.get_by_test_id("qualification-continue").click()
    _answer(failing, right=False, n=2)
    expect(failing.get_by_test_id("qualification-feedback")).to_contain_text(
        "That was the last qualification task."
    )
    failing.keyboard.press("Enter")
    stopped = failing.get_by_test_id("screened-out")
    expect(stopped.get_by_role("heading")).to_have_text("Thank you for your time")
    expect(stopped).to_contain_text("This study needs answers that match its reference answers")
    expect(stopped.get_by_test_id("screen-out-code")).to_have_text("NOPE-42")
    expect(failing.get_by_test_id("task")).to_have_count(0)
    save_screenshot(failing, "annotator-qualification-screened-out")
    failing.reload()
    expect(failing.get_by_test_id("screened-out")).to_be_visible()
    assert failing.js_errors == []

    # Both right: passed, and a real (plain) task follows.
    passing = signed_in_page(browser, server, passing_email)
    passing.goto(f"{server}/annotate/{slug}")
    _answer(passing, right=True, n=1)
    save_screenshot(passing, "annotator-qualification-feedback")
    passing.get_by_test_id("qualification-continue").click()
    _answer(passing, right=True, n=2)
    expect(passing.get_by_test_id("qualification-feedback")).to_contain_text(
        "You passed the qualification"
    )
    passing.get_by_test_id("qualification-continue").click()
    expect(passing.get_by_test_id("qualification-feedback")).to_have_count(0)
    expect(passing.get_by_test_id("task")).to_contain_text("Plain prompt")
    assert passing.js_errors == []

    standings = api.get(f"/api/campaigns/{slug}/judgments").json()["judgments"]
    assert len(standings) == 4  # every qualification answer kept, the failing one's too
