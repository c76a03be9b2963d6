"""Feedback sources in headless Chromium, against a live server (issue 19): a researcher
registers a chat product with its redaction policy, makes an ingestion key and copies it off the
page with the Copy button, the product sends a batch with it, and the source's page shows the
volume, the events by type and the "thumbs" signal; deleting one of the product's users' data
there lowers every count, and a revoked key is refused."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from support.api import make_user
from support.browser import signed_in_page
from support.insitu import conversation_event, thumbs_event

pytestmark = pytest.mark.browser
# The page writes a typographic apostrophe.
ERASURE = "Delete a user\u2019s data"
CONFIRM_ERASURE = "Confirm deleting a user\u2019s data"


def _cells(row: Any) -> list[str]:
    return [cell.strip() for cell in row.get_by_role("cell").all_inner_texts()]


def _expect_counts(page: Any, *, conversations: str, events: str, thumbs: int) -> None:
    """The source's page, read again from the server, shows these counts everywhere."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("source-summary")).to_contain_text(f"{conversations} · {events}")
    chart = page.get_by_test_id("volume-chart")
    expect(chart).to_contain_text(f"{events} received in the last 30 days")
    # Today's two bars (events, conversations) are drawn.
    expect(chart.locator(".recharts-bar-rectangle")).to_have_count(2)
    expect(page.get_by_test_id("event-type-thumbs")).to_contain_text(str(thumbs))
    signal = page.get_by_test_id("signal-row-thumbs-kto")
    expect(signal).to_be_visible()
    assert _cells(signal) == ["thumbs", "kto", str(thumbs), "0.90", "0", "—"]
    expect(page.get_by_test_id("pending-conversations")).to_have_text(
        "Every conversation has been derived."
    )


def test_a_researcher_connects_a_chat_product_and_erases_a_user(browser, server, db, unique):
    from playwright.sync_api import expect

    email = f"res-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"support-{unique}".lower()[:60]
    page = signed_in_page(
        browser,
        server,
        email,
        r"/admin$",
        viewport={"width": 1400, "height": 1000},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page.get_by_role("navigation", name="Admin").get_by_role(
        "link", name="Feedback sources"
    ).click()
    page.get_by_role("heading", name="Feedback sources", exact=True).wait_for()
    expect(page.get_by_text("No sources yet.")).to_be_visible()

    form = page.get_by_role("form", name="New source")
    form.get_by_label("Name").fill("Support chat")
    form.get_by_label("Slug").fill(slug)
    form.get_by_label("Retention (days)").fill("30")
    form.get_by_label("Consent basis").fill("Users opt in under Settings → Improve the assistant.")
    form.get_by_role("button", name="Add a pattern").click()
    form.get_by_label("Label").fill("TICKET")
    form.get_by_label("Pattern (RE2)").fill(r"TCK-\d{6}")
    form.get_by_role("button", name="Create source").click()
    page.wait_for_url(re.compile(f"/admin/feedback-sources/{re.escape(slug)}$"))
    page.get_by_role("heading", name="Support chat", level=1).wait_for()
    expect(page.get_by_test_id("source-summary")).to_contain_text("0 conversations · 0 events")
    expect(page.get_by_text("No derived rows yet.")).to_be_visible()
    stored = httpx.Client(base_url=server)
    settings = page.get_by_role("form", name="Settings")
    expect(settings.get_by_label("Label")).to_have_value("TICKET")
    expect(settings.get_by_label("Pattern (RE2)")).to_have_value(r"TCK-\d{6}")

    keys = page.get_by_role("form", name="New ingestion key")
    keys.get_by_label("Key name").fill("production")
    keys.get_by_role("button", name="Create key").click()
    shown = page.get_by_label("Key “production”")
    expect(shown).to_have_value(re.compile(r"^phi_.{20,}"))
    box = page.get_by_test_id("new-ingest-key")
    box.get_by_role("button", name="Copy key").click()
    expect(box.get_by_role("status")).to_have_text("Copied to the clipboard.")
    key = str(page.evaluate("() => navigator.clipboard.readText()"))
    assert key == shown.input_value()
    curl = page.get_by_test_id("ingest-curl").inner_text()
    assert f"Bearer {key}" in curl and f"{server}/api/ingest/{slug}/events" in curl
    box.get_by_role("button", name="I have copied it").click()
    expect(box).to_have_count(0)
    assert key not in page.content()
    key_row = page.get_by_role("row").filter(has_text="production")
    expect(key_row).to_contain_text(key[:8])

    # The product's batch: two conversations of user-1, one of user-2, a thumb on each answer.
    batch = [
        conversation_event("c1", "user-1"),
        thumbs_event("c1", "up"),
        conversation_event("c2", "user-1"),
        thumbs_event("c2", "down"),
        conversation_event("c3", "user-2"),
        thumbs_event("c3", "up"),
    ]
    sent = httpx.post(
        f"{server}/api/ingest/{slug}/events",
        json=batch,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"accepted": 6, "duplicate": 0, "rejected": 0, "errors": []}

    page.reload()
    _expect_counts(page, conversations="3 conversations", events="6 events", thumbs=3)
    expect(page.get_by_test_id("event-type-conversation")).to_contain_text("3")
    expect(key_row).not_to_contain_text("never")  # last used just now

    erasure = page.get_by_role("form", name=ERASURE)
    erasure.get_by_label("User id").fill("user-1")
    erasure.get_by_role("button", name="Delete…").click()
    confirm = page.get_by_role("group", name=CONFIRM_ERASURE)
    expect(confirm).to_contain_text("Delete everything of user user-1 in this source?")
    confirm.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_test_id("erasure-result")).to_have_text(
        "Deleted 2 conversations, 4 events and 2 derived rows of user user-1."
    )
    # The page reads its counts again without a reload, and a reload agrees.
    _expect_counts(page, conversations="1 conversation", events="2 events", thumbs=1)
    page.reload()
    _expect_counts(page, conversations="1 conversation", events="2 events", thumbs=1)

    page.get_by_role("link", name="← Feedback sources").click()
    listed = page.get_by_role("row").filter(has_text=slug)
    expect(listed).to_be_visible()
    assert _cells(listed)[:4] == ["Support chat", slug, "1", "2"]

    page.get_by_role("link", name="Support chat").click()
    key_row.get_by_role("button", name="Revoke production").click()
    page.get_by_role("group", name="Confirm revoking production").get_by_role(
        "button", name="Yes, revoke"
    ).click()
    expect(key_row.locator(".badge")).to_have_text(re.compile(r"^revoked "))
    refused = stored.post(
        f"/api/ingest/{slug}/events",
        json=[conversation_event("c4", "user-3")],
        headers={"Authorization": f"Bearer {key}"},
    )
    assert refused.status_code == 401
    stored.close()
    assert page.js_errors == []
