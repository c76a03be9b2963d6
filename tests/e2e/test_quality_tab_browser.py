"""The Quality tab in headless Chromium on the demo campaign after ``prefhub simulate``: every
chart draws its shapes, the numbers shown are the REST endpoints' numbers, and a new judgment
appears by polling, without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest

from support.api import make_user
from support.browser import save_screenshot, signed_in_page

pytestmark = pytest.mark.browser

SLUG = "demo"
QUALITY = f"/api/campaigns/{SLUG}/quality"


def _rest(page: Any, server: str, path: str, **params: Any) -> dict[str, Any]:
    """An endpoint's answer, asked with the page's own session."""
    response = page.request.get(f"{server}{QUALITY}/{path}", params=params)
    assert response.ok, response.text()
    return dict(response.json())


def _shapes(page: Any, chart: str, shape: str) -> int:
    """How many ``shape`` elements the recharts SVG of the chart ``chart`` (a test id) drew."""
    figure = page.get_by_test_id(chart)
    figure.locator("svg.recharts-surface").first.wait_for()
    return int(figure.locator(shape).count())


def _judgments_text(progress: dict[str, Any]) -> str:
    share = round(100 * progress["judgments"] / progress["judgments_target"])
    return f"{progress['judgments']} of {progress['judgments_target']} ({share}%)"


def test_quality_tab_on_the_simulated_demo_shows_the_endpoints_numbers_live(
    browser, server, db, unique
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.demo.seed import seed_demo
    from prefhub.simulation.service import simulate

    with db() as session:
        seed_demo(session)
    simulate(SLUG, annotators=12, judgments=45, seed=7)
    email = f"quality-admin-{unique}@example.org"
    make_user(db, email, "admin")
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    page.goto(f"{server}/admin/campaigns/{SLUG}")
    page.get_by_role("tab", name="Quality").click()
    assert re.search(r"[?&]tab=quality\b", page.url)
    figures = page.get_by_test_id("progress-judgments")
    figures.wait_for()

    # Overview: the figures are the progress endpoint's.
    progress = _rest(page, server, "progress")
    assert progress["judgments"] >= 45
    page.wait_for_function(
        "(text) => document.querySelector('[data-testid=progress-judgments]')"
        "?.textContent === text",
        arg=_judgments_text(progress),
    )
    assert page.get_by_test_id("progress-items-complete").inner_text() == (
        f"{progress['items_complete']} of {progress['items']}"
    )
    throughput = progress["throughput"]
    assert page.get_by_test_id("progress-annotators-active").inner_text() == (
        f"{throughput['annotators_last_hour']} / {throughput['annotators_last_day']}"
    )
    assert page.get_by_test_id("progress-median-seconds").inner_text() == str(
        progress["median_seconds"]
    )
    assert _shapes(page, "progress-chart", ".recharts-area-area") == 1
    assert _shapes(page, "progress-chart", ".recharts-reference-line") == 1
    buckets_with_judgments = sum(1 for p in progress["timeline"] if p["judgments"])
    assert _shapes(page, "throughput-chart", ".recharts-bar-rectangle") >= buckets_with_judgments

    # Leaderboard: one bar and one whisker per model, in the endpoint's order and ratings.
    board = _rest(page, server, "leaderboard")["overall"]
    models = board["models"]
    assert len(models) >= 2
    assert _shapes(page, "leaderboard-chart", ".recharts-bar-rectangle") == len(models)
    assert _shapes(page, "leaderboard-chart", ".recharts-errorBar") == len(models)
    rows = page.get_by_role("table", name="Model leaderboard", exact=True).locator("tbody tr")
    assert rows.count() == len(models)
    for row, model in zip(rows.all(), models, strict=True):
        cells = row.locator("td").all_inner_texts()
        assert cells[1] == model["model"]
        assert cells[2] == str(round(model["rating"]))

    # Agreement: the alpha per question is the endpoint's, and its timeline is drawn.
    agreement = _rest(page, server, "agreement")
    table = page.get_by_role("table", name="Agreement per question")
    for measure in agreement["measures"]:
        row = table.locator("tbody tr").filter(has_text=measure["measure"]).first
        alpha = "\N{EN DASH}" if measure["alpha"] is None else f"{measure['alpha']:.3f}"
        assert row.locator("td").nth(2).inner_text() == alpha
    assert _shapes(page, "agreement-chart", ".recharts-line") >= 1

    # Group disagreement, once the simulated population's group field is chosen.
    page.get_by_label("Group annotators by").fill("group")
    page.get_by_label("Group annotators by").press("Enter")
    disagreement = _rest(page, server, "group-disagreement", group_by="group", limit=20)
    pairs = page.get_by_role("table", name="Model pairs where groups disagree most")
    pairs.wait_for()
    first = disagreement["pairs"][0]
    assert f"{first['first']} vs {first['second']}" in pairs.locator("tbody tr").first.inner_text()
    save_screenshot(page, "quality-tab")

    # Live: a judgment made now shows up by polling, with no reload.
    simulate(SLUG, annotators=12, judgments=1, seed=8)
    newer = _rest(page, server, "progress")
    assert newer["judgments"] == progress["judgments"] + 1
    page.wait_for_function(
        "(text) => document.querySelector('[data-testid=progress-judgments]')"
        "?.textContent === text",
        arg=_judgments_text(newer),
        timeout=45_000,
    )
    assert page.js_errors == []
