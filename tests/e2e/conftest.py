"""Browser fixtures shared by the e2e tests: headless Chromium and a live API server serving
frontend/dist."""

from __future__ import annotations

import pytest

from support.processes import api_server
from support.services import chromium_or_skip, require_or_skip


@pytest.fixture
def browser():
    executable = chromium_or_skip()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        require_or_skip("browser", f"playwright is not installed: {exc}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def server(migrated, run_dir, unique):
    from prefhub.app import FRONTEND_DIST

    if not (FRONTEND_DIST / "index.html").exists():
        pytest.fail("frontend/dist is not built: run `make frontend` (make test does)")
    env = {"PREFHUB_DATA_DIR": str(run_dir / f"e2e-{unique}")}
    with api_server(env, run_dir / f"e2e-{unique}.log") as base:
        yield base
