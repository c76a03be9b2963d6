"""The campaign builder in headless Chromium: a researcher starts from the pairwise DPO template,
adds a thumbs question, sees both in the live preview (which answers to the keyboard), goes
through the YAML tab and back, creates the campaign and finds it on its page."""

from __future__ import annotations

import re

import httpx
import pytest

from support.api import login, make_user
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser


def test_a_researcher_builds_a_campaign_from_a_template_with_a_live_preview(
    browser, server, db, unique
):
    email = f"builder-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"built-{unique}"
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1500, "height": 1000}
    )
    page.goto(f"{server}/admin/campaigns/new")

    page.get_by_label("Template").select_option("pairwise-dpo")
    form = page.get_by_role("tabpanel", name="Form")
    form.get_by_label("Name", exact=True).fill(f"Built {unique}")
    form.get_by_label("Slug").fill(slug)
    form.get_by_label("New question").select_option("binary")
    form.get_by_role("button", name="Add question").click()
    assert form.get_by_role("region", name=re.compile("Question 2: Thumbs up")).is_visible()

    preview = page.get_by_role("complementary", name="Preview")
    thumbs = preview.get_by_role("region", name="Is this response acceptable?")
    thumbs.wait_for()
    assert preview.get_by_role("region", name="Which response is better?").is_visible()
    assert preview.get_by_text("How do I boil an egg?").is_visible()

    # The annotator's shortcut: 1 picks response A on the preview's pairwise question.
    page.get_by_role("heading", name="Preview").click()
    page.keyboard.press("1")
    preview.get_by_test_id("candidate-A").and_(page.locator(".candidate--selected")).wait_for()
    save_screenshot(page, "campaign-builder-preview")

    page.get_by_role("tab", name="YAML").click()
    yaml = page.get_by_label("Spec (YAML)")
    text = yaml.input_value()
    assert f"slug: {slug}" in text and "kind: binary" in text, text
    yaml.fill(text.replace(f"name: Built {unique}", f"name: Built in YAML {unique}"))
    page.get_by_role("tab", name="Form").click()
    form = page.get_by_role("tabpanel", name="Form")
    assert form.get_by_label("Name", exact=True).input_value() == f"Built in YAML {unique}"
    assert form.get_by_role("region", name=re.compile("Question 2: Thumbs up")).is_visible()

    create = page.get_by_role("button", name="Create campaign")
    page.get_by_role("status").filter(has_text="The spec is valid").wait_for()
    create.click()
    page.wait_for_url(re.compile(f"/admin/campaigns/{slug}$"))
    page.get_by_role("heading", name=f"Built in YAML {unique}").wait_for()
    assert page.js_errors == []

    with httpx.Client(base_url=server, timeout=30) as researcher:
        login(researcher, email)
        stored = researcher.get(f"/api/campaigns/{slug}").json()
    assert [q["kind"] for q in stored["spec"]["questions"]] == ["pairwise", "binary"]
    assert stored["spec"]["questions"][0]["strength"] is True
