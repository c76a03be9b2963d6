"""A campaign's lifecycle in headless Chromium, against a live server: a researcher creates a
draft in the admin UI, which an annotator does not see; activated, it is listed to them; paused,
it is listed as paused, with no way to start it."""

from __future__ import annotations

from typing import Any

import pytest

from support.api import make_user
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser


def _annotator_card(page: Any, name: str) -> Any:
    page.reload()
    page.get_by_role("heading", name="Your campaigns").wait_for()
    return page.locator(".campaign-card").filter(has_text=name)


def test_a_draft_is_hidden_from_annotators_until_activated_and_shown_paused(
    browser, server, db, unique
):
    from playwright.sync_api import expect

    researcher_email, annotator_email = f"res-{unique}@example.org", f"ann-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    name = f"Lifecycle {unique}"

    researcher = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    researcher.get_by_role("link", name="New campaign").click()
    expect(researcher.get_by_text("New campaigns are created as drafts")).to_be_visible()
    researcher.get_by_role("link", name="Quick form").click()
    researcher.get_by_label("Name").fill(name)
    researcher.get_by_role("button", name="Create campaign").click()
    status = researcher.get_by_role("region", name="Campaign status")
    expect(status.locator(".badge")).to_have_text("draft")

    annotator = signed_in_page(browser, server, annotator_email)
    expect(_annotator_card(annotator, name)).to_have_count(0)

    status.get_by_role("button", name="Activate").click()
    expect(status.locator(".badge")).to_have_text("active")
    card = _annotator_card(annotator, name)
    expect(card).to_have_count(1)
    expect(card).not_to_contain_text("Paused")

    status.get_by_role("button", name="Pause").click()
    expect(status.locator(".badge")).to_have_text("paused")
    save_screenshot(researcher, "campaign-lifecycle")
    card = _annotator_card(annotator, name)
    expect(card).to_contain_text("Paused")
    expect(card.get_by_role("link")).to_have_count(0)
    assert researcher.js_errors == [] and annotator.js_errors == []
