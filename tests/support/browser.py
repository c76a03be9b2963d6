"""Driving the web app in a Playwright page as a signed-in user."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from support.api import PASSWORD


def signed_in_page(
    browser: Any, server: str, email: str, landing: str = r"/annotate", **context: Any
) -> Any:
    """A page in its own browser context, signed in as ``email`` and arrived where the app
    sends them (``landing``, a regex: researchers land on ``/admin$``); ``page.js_errors``
    collects uncaught errors."""
    page = browser.new_context(**context).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(landing))
    page.js_errors = errors
    return page


def wait_moved_on(page: Any, previous: str | int, *, tree: bool = False) -> None:
    """Until the task screen shows another task than ``previous`` (or the done screen)."""
    task, attribute, done = (
        ("tree-task", "data-task-id", "tree-done")
        if tree
        else ("task", "data-assignment-id", "done")
    )
    page.wait_for_function(
        f"""(previous) => {{
            const t = document.querySelector('[data-testid="{task}"]');
            return document.querySelector('[data-testid="{done}"]') ||
                   (t && t.getAttribute('{attribute}') !== previous &&
                    t.getAttribute('aria-busy') === 'false');
        }}""",
        arg=str(previous),
    )


def shown_candidates(scope: Any) -> dict[str, str]:
    """The candidates a task screen (a page, or the builder's preview) shows: label → text."""
    shown: dict[str, str] = {}
    for card in scope.locator('[data-testid^="candidate-"]').all():
        label = card.get_attribute("data-testid").removeprefix("candidate-")
        shown[label] = card.locator(".candidate__body").inner_text().strip()
    return shown


def reply_text(reply: Any) -> str:
    """An exported reply's text, in TRL's conversational form (a one-message list) or standard."""
    if isinstance(reply, list):
        [message] = reply
        reply = message["content"]
    return str(reply).strip()


def open_builder_template(page: Any, server: str, template: str, *, name: str, slug: str) -> Any:
    """In the campaign builder, start from ``template`` with this name and slug; once the spec is
    checked valid, the live preview (returned) shows it."""
    page.goto(f"{server}/admin/campaigns/new")
    page.get_by_label("Template").select_option(template)
    form = page.get_by_role("tabpanel", name="Form")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Slug").fill(slug)
    page.get_by_role("status").filter(has_text="The spec is valid").wait_for()
    preview = page.get_by_role("complementary", name="Preview")
    preview.get_by_test_id("task").wait_for()
    return preview


def create_from_builder(page: Any, slug: str, name: str) -> None:
    """Create the builder's campaign (a draft) and arrive on its page."""
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url(re.compile(f"/admin/campaigns/{re.escape(slug)}$"))
    page.get_by_role("heading", name=name).wait_for()
    status = page.get_by_role("region", name="Campaign status")
    status.locator(".badge").filter(has_text="draft").wait_for()


def import_in_browser(page: Any, path: Any, *, imported: int) -> None:
    """On a campaign's page, import the JSONL file at ``path`` with the Import form."""
    form = page.get_by_role("region", name="Import items")
    form.get_by_label("JSONL file (one item per line)").set_input_files(path)
    form.get_by_role("button", name="Import", exact=True).click()
    done = f"Imported {imported} item{'' if imported == 1 else 's'}."
    form.get_by_role("status").filter(has_text=done).wait_for(timeout=60_000)


def activate_in_browser(page: Any) -> None:
    """On a draft campaign's page, activate it from the status panel."""
    status = page.get_by_role("region", name="Campaign status")
    status.get_by_role("button", name="Activate").click()
    status.locator(".badge").filter(has_text="active").wait_for()


def export_in_browser(page: Any, fmt: str, folder: Path) -> list[dict[str, Any]]:
    """On a campaign's page, start an export in ``fmt``, wait for it to succeed, download its
    data file ``{fmt}.jsonl`` through its link into ``folder`` and read the rows."""
    panel = page.get_by_role("region", name="Exports")
    before = panel.get_by_test_id(re.compile(r"^export-\d+$")).count()
    form = panel.get_by_role("form", name="New export")
    form.get_by_label("Format", exact=True).select_option(fmt)
    form.get_by_role("button", name="Start export").click()
    exports = panel.get_by_test_id(re.compile(r"^export-\d+$"))
    exports.nth(before).wait_for()
    newest = exports.first  # newest first
    newest.locator(".badge--succeeded, .badge--failed").wait_for(timeout=60_000)
    assert newest.locator(".badge--failed").count() == 0, newest.inner_text()
    with page.expect_download() as download_info:
        newest.get_by_role("link", name=f"{fmt}.jsonl", exact=True).click()
    download = download_info.value
    saved = folder / f"downloaded-{download.suggested_filename}"
    download.save_as(saved)
    return [json.loads(line) for line in saved.read_text().splitlines() if line.strip()]


# Screenshots for the README (`make screenshots`): repo-relative, one fixed size, written only on
# request so a normal test run never changes the tree.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 800}


def save_screenshot(page: Any, name: str, *, show: Any = None) -> Path | None:
    """Write ``docs/screenshots/<name>.png`` of what ``page`` shows, at 1280x800, when
    ``PREFHUB_SCREENSHOTS=1``; otherwise do nothing. ``show`` (a locator) is scrolled to the top
    of the picture, else the page's top is shown. The page's own viewport is put back after."""
    if os.environ.get("PREFHUB_SCREENSHOTS") != "1":
        return None
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"screenshot names are lowercase words joined by '-': {name!r}")
    previous = page.viewport_size
    page.set_viewport_size(SCREENSHOT_VIEWPORT)
    # Let the layout settle at the new size (two frames) and the fonts load.
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise((done) =>"
        " requestAnimationFrame(() => requestAnimationFrame(done))))"
    )
    if show is not None:
        show.evaluate("(element) => element.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("() => window.scrollTo(0, 0)")
    # The task screen focuses its heading for screen readers; its ring is noise in a picture.
    page.evaluate(
        "() => document.activeElement instanceof HTMLHeadingElement"
        " && document.activeElement.blur()"
    )
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    if previous is not None:
        page.set_viewport_size(previous)
    return path
