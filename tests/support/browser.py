"""Driving the web app in a Playwright page as a signed-in user."""

from __future__ import annotations

import re
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
