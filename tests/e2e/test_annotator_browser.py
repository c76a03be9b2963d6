"""An annotator in headless Chromium rates pairs with the keyboard; the DPO export holds them."""

from __future__ import annotations

import json
import re

import httpx

from support.api import jsonl, login, make_user, pairwise_spec
from support.browser import save_screenshot
from support.processes import wait_for

XSS = '<img src="x" onerror="window.__xss = 1"> <script>window.__xss = 2</script> **bold**'


def test_annotator_rates_pairs_with_the_keyboard_and_the_export_holds_them(
    browser, server, db, unique
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"e2e-{unique}"
    rows = [
        {
            "id": f"q{i}",
            "prompt": f"Prompt number {i}?",
            "candidates": [f"Answer {i} alpha {XSS if i == 0 else ''}", f"Answer {i} beta"],
        }
        for i in range(3)
    ]
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    assert (
        researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=1)).status_code == 201
    )
    assert (
        researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("i.jsonl", jsonl(rows), "application/jsonl")},
        ).status_code
        == 201
    )

    page = browser.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(annotator_email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/annotate"))
    asked_next: list[str] = []
    page.on(
        "request",
        lambda r: asked_next.append(r.url) if r.url.endswith(f"/{slug}/next") else None,
    )
    page.goto(f"{server}/annotate/{slug}")

    expected_chosen = []
    keys = ["1", "2", "2"]
    for key in keys:
        task = page.locator('[data-testid="task"]')
        task.wait_for()
        assignment = task.get_attribute("data-assignment-id")
        a_text = page.locator('[data-testid="candidate-A"]').inner_text()
        b_text = page.locator('[data-testid="candidate-B"]').inner_text()
        picked = a_text if key == "1" else b_text
        if "Answer 0" not in a_text + b_text:  # a task without the inert script markup
            save_screenshot(page, "annotator-task")
        expected_chosen.append(re.search(r"Answer \d \w+", picked).group(0))
        if "alpha" in a_text + b_text and "Answer 0" in a_text + b_text:
            # Model text is rendered as sanitised Markdown: markup shows, scripts never run.
            assert page.evaluate("window.__xss") is None
            assert page.locator('[data-testid^="candidate-"] strong', has_text="bold").count() == 1
            assert page.locator('[data-testid^="candidate-"] script').count() == 0
        page.keyboard.press(key)
        page.wait_for_function(
            """(previous) => {
                const t = document.querySelector('[data-testid="task"]');
                return document.querySelector('[data-testid="done"]') ||
                       (t && t.getAttribute('data-assignment-id') !== previous);
            }""",
            arg=assignment,
        )
    page.locator('[data-testid="done"]').wait_for()
    assert page.evaluate("window.__xss") is None
    # Each submit answered the next task: /next was asked for the first one only.
    assert len(asked_next) == 1, asked_next

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).json()
    state = wait_for(
        lambda: (
            (s := researcher.get(f"/api/exports/{job['id']}").json())["status"]
            in ("succeeded", "failed")
            and s
        ),
        timeout=60,
    )
    assert state["status"] == "succeeded", state
    exported = [
        json.loads(line)
        for line in researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl").text.splitlines()
    ]
    assert len(exported) == 3
    chosen = sorted(
        re.search(r"Answer \d \w+", r["chosen"][0]["content"]).group(0) for r in exported
    )
    assert chosen == sorted(expected_chosen)
    assert {r["metadata"]["time_spent_ms"] is not None for r in exported} == {True}
    researcher.close()
