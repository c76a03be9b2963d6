"""The Models screen in headless Chromium, against a live server and a fake OpenAI server: a
researcher registers an endpoint with a configured key secret, tests it, and shares it by
e-mail; the colleague then finds it on their own Models screen as shared with them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from support.api import make_user
from support.browser import signed_in_page
from support.fake_openai import FakeOpenAI, chat_reply
from support.processes import api_server

pytestmark = pytest.mark.browser

KEY = "sk-fake-key-for-the-e2e-test"


@pytest.fixture
def keyed_server(migrated, run_dir, unique):
    """The e2e server (a subprocess) with the key of the secret FAKE_KEY, which
    tests/conftest.py binds to 127.0.0.1 in PREFHUB_MODEL_SECRET_HOSTS."""
    from prefhub.app import FRONTEND_DIST

    if not (FRONTEND_DIST / "index.html").exists():
        pytest.fail("frontend/dist is not built: run `make frontend` (make test does)")
    env = {
        "PREFHUB_DATA_DIR": str(run_dir / f"e2e-{unique}"),
        "PREFHUB_MODEL_KEY_FAKE_KEY": KEY,
    }
    with api_server(env, run_dir / f"e2e-models-{unique}.log") as base:
        yield base


def _researcher_page(browser: Any, server: str, email: str) -> Any:
    """A researcher signed in (they land on /admin), on the Models screen."""
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models").wait_for()
    return page


def test_a_researcher_registers_tests_and_shares_a_model_with_a_keyed_secret(
    browser, keyed_server, db, unique
):
    server = keyed_server
    owner_email, colleague_email = f"owner-{unique}@example.org", f"colleague-{unique}@example.org"
    make_user(db, owner_email, "researcher")
    make_user(db, colleague_email, "researcher")
    name = f"fake-{unique}"

    with FakeOpenAI(api_key=KEY) as fake:
        owner = _researcher_page(browser, server, owner_email)

        # The key is chosen among the configured secrets, shown with the hosts it may go to.
        form = owner.get_by_role("form", name="Add a model endpoint")
        key = form.get_by_label("API key")
        key.locator("option", has_text="FAKE_KEY").wait_for(state="attached")
        options = key.locator("option").all_inner_texts()
        assert options[0] == "No key"
        assert "FAKE_KEY (127.0.0.1)" in options
        form.get_by_label("Name").fill(name)
        form.get_by_label("Base URL").fill(fake.base_url)
        form.get_by_label("Model", exact=True).fill("fake-model")
        key.select_option("FAKE_KEY")
        form.get_by_role("button", name="Add model").click()
        owner.get_by_text(f"Added {name}.").wait_for()

        row = owner.get_by_test_id(f"model-row-{name}")
        row.wait_for()
        assert "FAKE_KEY" in row.inner_text()
        assert owner.get_by_test_id(f"model-access-{name}").inner_text().startswith("Yours")

        # The test goes through the fake server, with the secret's key, and shows the reply.
        row.get_by_role("button", name=f"Test {name}").click()
        result = owner.get_by_test_id(f"test-result-{name}")
        expected = chat_reply(
            {"model": "fake-model", "messages": [{"role": "user", "content": "Say hello."}]}
        )
        result.get_by_text("OK", exact=True).wait_for()
        assert expected[:40] in result.inner_text()
        chats = [r for r in fake.requests if r.path == "/v1/chat/completions"]
        assert len(chats) == 1
        assert chats[0].headers["authorization"] == f"Bearer {KEY}"
        assert chats[0].outcome == "ok"

    # Shared with the colleague by e-mail; a researcher has no "everyone" box.
    row.get_by_role("button", name=f"Share {name}").click()
    share = owner.get_by_role("form", name=f"Share {name}")
    assert share.get_by_role("checkbox").count() == 0
    share.get_by_label(re.compile("e-mails, one per line")).fill(colleague_email)
    share.get_by_role("button", name="Save sharing").click()
    owner.get_by_text("Sharing saved.").wait_for()
    access = owner.get_by_test_id(f"model-access-{name}")
    assert colleague_email in access.inner_text()
    assert owner.js_errors == []  # type: ignore[attr-defined]

    # The colleague sees it as shared with them, and cannot share it further.
    colleague = _researcher_page(browser, server, colleague_email)
    colleague_row = colleague.get_by_test_id(f"model-row-{name}")
    colleague_row.wait_for()
    access = colleague.get_by_test_id(f"model-access-{name}").inner_text()
    assert access.strip() == "Shared with you"
    assert colleague_row.get_by_role("button", name=f"Share {name}").count() == 0
    assert colleague_row.get_by_role("button", name=f"Test {name}").is_visible()
    assert colleague.js_errors == []  # type: ignore[attr-defined]
