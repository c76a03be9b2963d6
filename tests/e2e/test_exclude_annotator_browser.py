"""Excluding a flagged annotator from the Quality tab, in headless Chromium: a rule flags an
always-"A" clicker, the researcher sees the flag in the annotator table, excludes them with a
reason, and the next dpo export leaves their judgments out (an export that asks to include
excluded annotators still has them)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from support.api import finished_export, items, jsonl, judge_next, login, make_user, pairwise_spec
from support.browser import signed_in_page
from support.processes import wait_for

pytestmark = pytest.mark.browser

RULE = {"measure": "left_share", "above": 0.9, "min_evidence": 8, "action": "flag"}
JUDGED = 10


def _client(server: str, db: Any, email: str, role: str) -> httpx.Client:
    make_user(db, email, role)
    client = httpx.Client(base_url=server, timeout=30)
    login(client, email)
    return client


def _dpo_rows(client: httpx.Client, slug: str, **options: Any) -> list[dict[str, Any]]:
    if not options:
        job = finished_export(client, slug, "dpo")
    else:
        started = client.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo", **options})
        assert started.status_code in (200, 201, 202), started.text
        job = wait_for(
            lambda: (
                (s := client.get(f"/api/exports/{started.json()['id']}").json())["status"]
                in ("succeeded", "failed")
                and s
            ),
            timeout=60,
        )
        assert job["status"] == "succeeded", job
    text = client.get(f"/api/exports/{job['id']}/files/dpo.jsonl").text
    return [json.loads(line) for line in text.splitlines()]


def test_a_researcher_excludes_a_flagged_annotator_and_the_next_export_leaves_them_out(
    browser, server, db, unique
):
    slug = f"exclude-ui-{unique}"
    researcher_email = f"r-{unique}@example.org"
    researcher = _client(server, db, researcher_email, "researcher")
    spec = pairwise_spec(slug, 2, quality={"rules": [RULE]})
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(items(JUDGED)))}
    )
    assert imported.status_code == 201, imported.text
    clicker_email, honest_email = f"clicker-{unique}@example.org", f"honest-{unique}@example.org"
    clicker = _client(server, db, clicker_email, "annotator")
    honest = _client(server, db, honest_email, "annotator")
    for i in range(JUDGED):
        judge_next(clicker, slug, {"preference": {"choice": "A"}}, time_spent_ms=6000)
        judge_next(honest, slug, {"preference": {"choice": "AB"[i % 2]}}, time_spent_ms=6000)
    assert len(_dpo_rows(researcher, slug)) == 2 * JUDGED

    page = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1600, "height": 1200}
    )
    page.goto(f"{server}/admin/campaigns/{slug}?tab=quality")
    panel = page.get_by_test_id("annotators-panel")
    panel.wait_for(timeout=20_000)
    table = panel.get_by_role("table", name="Annotator reliability")
    username = clicker_email.split("@")[0]
    row = table.locator("tr", has_text=username)
    row.and_(page.locator("[data-standing='flagged']")).wait_for()
    assert "left share 1.00 > 0.9 after 10 pairwise answers" in row.inner_text()
    other = table.locator("tr", has_text=honest_email.split("@")[0])
    assert other.get_attribute("data-standing") == "ok"

    panel.get_by_label(f"Reason for {username}").fill("clicks A whatever is shown")
    panel.get_by_role("button", name=f"Exclude {username}").click()
    row.and_(page.locator("[data-standing='excluded']")).wait_for()
    assert "clicks A whatever is shown" in row.inner_text()
    assert "(researcher)" in row.inner_text()
    assert page.js_errors == []

    refused = clicker.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "annotator_excluded"

    kept = _dpo_rows(researcher, slug)
    assert len(kept) == JUDGED
    everyone = _dpo_rows(researcher, slug, include_excluded=True)
    assert len(everyone) == 2 * JUDGED
    # Pseudonyms are salted per export: count annotators, not names.
    assert len({r["metadata"]["annotator_id"] for r in kept}) == 1
    assert len({r["metadata"]["annotator_id"] for r in everyone}) == 2
