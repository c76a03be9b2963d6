"""The Users screen in headless Chromium, against a live server: an admin creates an annotator,
issues a password reset link and hands it over; the annotator opens it in a browser of their own,
chooses a new password and signs in with it; the admin deactivates the account, and the
annotator's next request lands on the login page, where the password no longer works."""

from __future__ import annotations

import re
from typing import Any

import pytest

from support.api import make_user
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser

FIRST_PASSWORD = "amber kettle wanders north"
NEW_PASSWORD = "quiet lantern orbits gravel"


def _admin_on_users_page(browser: Any, server: str, email: str) -> Any:
    """An admin signed in, on the Users screen."""
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
    page.get_by_role("heading", name="Users", exact=True).wait_for()
    return page


def _sign_in(page: Any, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def test_an_admin_resets_a_password_by_link_and_deactivation_signs_the_user_out(
    browser, server, db, unique
):
    from playwright.sync_api import expect

    admin_email, email = f"admin-{unique}@example.org", f"ann-{unique}@example.org"
    make_user(db, admin_email, "admin")
    admin = _admin_on_users_page(browser, server, admin_email)

    # The admin creates the annotator; the list opens on the page that holds them.
    form = admin.get_by_role("form", name="New user")
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Display name (optional)").fill("Ann Notator")
    form.get_by_label("Role").select_option("annotator")
    form.get_by_label("Password").fill(FIRST_PASSWORD)
    form.get_by_role("button", name="Create user").click()
    expect(form.get_by_role("status")).to_contain_text(f"Created {email}.")
    row = admin.get_by_role("row").filter(has_text=email)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ann Notator")
    expect(row.locator(".badge--active")).to_have_text("active")
    save_screenshot(admin, "people-users")

    # A reset link, shown once with this server's address.
    row.get_by_role("button", name=f"Reset password of {email}").click()
    link_field = admin.get_by_label(f"Password reset link for {email}")
    expect(link_field).to_have_value(re.compile(rf"^{re.escape(server)}/reset-password#token=.+"))
    link = link_field.input_value()

    # The annotator opens it in a browser of their own and chooses a new password.
    annotator = browser.new_context().new_page()
    annotator_errors: list[str] = []
    annotator.on("pageerror", lambda exc: annotator_errors.append(str(exc)))
    annotator.goto(link)
    annotator.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    annotator.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    annotator.get_by_role("button", name="Set password").click()
    expect(annotator.get_by_role("status")).to_contain_text("Your new password is set")
    annotator.get_by_role("link", name="Sign in").click()
    annotator.wait_for_url(re.compile(r"/login"))
    _sign_in(annotator, email, NEW_PASSWORD)
    annotator.wait_for_url(re.compile(r"/annotate$"))
    # Let the campaign list's request finish first: one still in flight when the account is
    # deactivated was authorised before, answers 200, and the app (which does not ask twice
    # at once) then has no request to be refused. With the full suite's campaigns on
    # PostgreSQL it takes a few seconds.
    annotator.wait_for_load_state("networkidle")
    annotator.get_by_role("link", name="Account").click()
    annotator.wait_for_url(re.compile(r"/account$"))
    annotator.wait_for_load_state("networkidle")

    # The admin deactivates the account, after confirming.
    row.get_by_role("button", name=f"Deactivate {email}").click()
    confirm = admin.get_by_role("group", name=f"Confirm deactivating {email}")
    expect(confirm).to_contain_text("signed out everywhere")
    confirm.get_by_role("button", name="Yes, deactivate").click()
    expect(row.locator(".badge--deactivated")).to_have_text("deactivated")
    expect(row.get_by_role("button", name=f"Activate {email}")).to_be_visible()

    # The annotator's next request is refused: the app sends them to the login page...
    annotator.get_by_role("navigation", name="Main").get_by_role("link", name="Annotate").click()
    # Polls the page's URL (a failure names the URL it found) rather than waiting for one
    # navigation event: the app moves to /annotate, then replaces it with the login page.
    expect(annotator).to_have_url(re.compile(r"/login\?redirectTo=%2Fannotate$"), timeout=30_000)
    # ...where the new password no longer signs them in.
    _sign_in(annotator, email, NEW_PASSWORD)
    refused = annotator.get_by_role("alert")
    expect(refused).to_have_attribute("data-error-code", "invalid_credentials")
    assert re.search(r"/login", annotator.url)

    assert admin.js_errors == []  # type: ignore[attr-defined]
    assert annotator_errors == []
