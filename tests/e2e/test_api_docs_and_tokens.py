"""API tokens and the API docs in headless Chromium, against a live server.

``/docs`` (Swagger UI) and ``/redoc`` render every operation with the internet cut off (any
request to another host than the server is aborted, and none is even tried), under their own
Content-Security-Policy without a violation; Swagger's "Authorize" takes an API token and "Try it
out" on ``GET /api/auth/me`` then answers 200 where it answered 401. A researcher makes a token
on the settings page, reads it off the page, uses it with httpx and with the README's curl and
httpx examples, revokes it there, and the same call answers 401."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from support.api import login, make_user
from support.browser import save_screenshot, signed_in_page
from support.tokens import mint_token, open_tokens_page, revoke_token, token_row

pytestmark = pytest.mark.browser
README = Path(__file__).resolve().parents[2] / "README.md"
README_SERVER = "http://127.0.0.1:8000"


def _readme_token_snippets() -> tuple[list[str], str]:
    """The README's "API tokens" part: its curl command lines and its httpx snippet."""
    part = README.read_text().split("**API tokens.**", 1)[1]
    shell = part.split("```bash\n", 1)[1].split("```", 1)[0]
    python = part.split("```python\n", 1)[1].split("```", 1)[0]
    return [line for line in shell.splitlines() if line.startswith("curl ")], python


def _offline(context: Any) -> list[str]:
    """Abort every request to another host than this machine's; returns the list of them."""
    tried: list[str] = []

    def handle(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", handle)
    return tried


def _watched(page: Any) -> list[str]:
    """Console errors (a failed request, a CSP violation) and uncaught exceptions of ``page``."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def _mint_token(server: str, email: str, name: str) -> str:
    with httpx.Client(base_url=server) as client:
        login(client, email)
        made = client.post("/api/auth/tokens", json={"name": name})
        assert made.status_code == 201, made.text
        return str(made.json()["token"])


def test_docs_and_redoc_render_offline_and_authorize_takes_an_api_token(
    browser, server, db, unique
):
    from playwright.sync_api import expect

    email = f"res-{unique}@example.org"
    make_user(db, email, "researcher")
    token = _mint_token(server, email, "swagger")
    # Not signed in: only the token pasted in "Authorize" can make the call succeed.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tried = _offline(context)
    page = context.new_page()
    problems = _watched(page)

    page.goto(f"{server}/docs")
    me = page.locator("#operations-auth-me_api_auth_me_get")
    expect(me.locator(".opblock-summary-path")).to_have_attribute("data-path", "/api/auth/me")
    expect(me.locator(".opblock-summary-description")).to_have_text("Me")
    # The route declares both schemes: the operation shows a lock.
    expect(me.locator(".authorization__btn")).to_be_visible()

    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    status = me.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("401")

    page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
    dialog = page.locator(".modal-ux")
    schemes = dialog.locator(".auth-container")
    expect(schemes.filter(has_text="session (apiKey)")).to_contain_text("prefhub_session")
    bearer = schemes.filter(has_text=re.compile(r"api_token\s+\(http, Bearer\)"))
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    expect(bearer).to_contain_text("Authorized")
    dialog.locator("button.close-modal").click()

    me.get_by_role("button", name="Execute").click()
    expect(status).to_have_text("200")
    answer = me.locator(".live-responses-table .response .response-col_description")
    expect(answer).to_contain_text(email)

    # The one console error is the 401 asked for before authorizing: no script, style or
    # connection was refused by the page's policy.
    assert [p for p in problems if "401" not in p] == [], problems
    problems.clear()

    page.goto(f"{server}/redoc")
    operation = page.locator('[data-section-id="tag/auth/operation/me_api_auth_me_get"]')
    # ReDoc parses and lays out the whole schema in the page before it shows anything ("Loading
    # ..."); on a loaded 2-core CI machine that took longer than expect's 5 s default once.
    expect(operation.get_by_role("heading", name=re.compile(r" Me$"))).to_be_visible(timeout=60_000)
    expect(operation).to_contain_text("/api/auth/me")
    expect(operation).to_contain_text("api_token")

    # ReDoc's only reach outside is its "by Redocly" logo image, which the policy blocks.
    assert all("img-src" in p and "https://cdn" in p for p in problems), problems
    assert tried == [], f"the docs reached for another host: {tried}"


def test_a_token_made_on_the_settings_page_works_until_revoked_there(
    browser, server, db, unique, monkeypatch, capsys
):
    from playwright.sync_api import expect

    email = f"res-{unique}@example.org"
    make_user(db, email, "researcher")
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    open_tokens_page(page)
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    token = mint_token(page, "analysis notebook")
    row = token_row(page, "analysis notebook")
    expect(row).to_contain_text(f"{token[:8]}")
    expect(row.locator(".badge")).to_have_text("active")

    bearer = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{server}/api/auth/me", headers=bearer)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email

    # The README's examples, as written, with this token against this server.
    monkeypatch.setenv("PREFHUB_TOKEN", token)
    curls, snippet = _readme_token_snippets()
    assert len(curls) == 2
    namespace: dict[str, Any] = {}
    exec(snippet.replace(README_SERVER, server), namespace)
    assert namespace["campaigns"] == []
    assert capsys.readouterr().out.strip() == email
    if shutil.which("curl"):
        for line in curls:
            out = subprocess.run(
                ["bash", "-c", line.replace(README_SERVER, server) + " -sS -f"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert out.startswith("{"), out

    # Once dismissed, the secret is gone from the page for good.
    page.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert token not in page.content()
    save_screenshot(page, "api-tokens")

    revoke_token(page, "analysis notebook")
    expect(row.get_by_role("button")).to_have_count(0)

    refused = httpx.get(f"{server}/api/auth/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert page.js_errors == []
