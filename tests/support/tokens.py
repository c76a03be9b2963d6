"""The settings page's API tokens, driven in a Playwright page as a researcher would: open
the page, make a token and read it off the page (it is shown once), revoke one."""

from __future__ import annotations

import re
from typing import Any


def open_tokens_page(page: Any) -> None:
    """From any admin screen, through the admin navigation."""
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="API tokens").click()
    page.get_by_role("heading", name="API tokens", exact=True).wait_for()


def mint_token(page: Any, name: str) -> str:
    """Make a token named ``name`` on the tokens page and return its secret as shown."""
    from playwright.sync_api import expect

    form = page.get_by_role("form", name="New token")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create token").click()
    secret_box = page.get_by_label(f"Token “{name}”")
    expect(secret_box).to_have_value(re.compile(r".{20,}"))
    expect(page.get_by_test_id("new-token")).to_contain_text("it will not be shown again")
    return str(secret_box.input_value())


def token_row(page: Any, name: str) -> Any:
    return page.get_by_role("row").filter(has_text=name)


def revoke_token(page: Any, name: str) -> None:
    """Revoke the token named ``name`` (confirming), until its row says it is revoked."""
    from playwright.sync_api import expect

    row = token_row(page, name)
    row.get_by_role("button", name=f"Revoke {name}").click()
    confirm = page.get_by_role("group", name=f"Confirm revoking {name}")
    confirm.get_by_role("button", name="Yes, revoke").click()
    expect(row.locator(".badge")).to_have_text(re.compile(r"^revoked "))
