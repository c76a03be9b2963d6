"""Every question kind in headless Chromium: ranking by drag and by keyboard, binary and
negative-only screens, and a combined screen whose answers reach the raw judgments export."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from support.api import PASSWORD, jsonl, login, make_user
from support.processes import wait_for

pytestmark = pytest.mark.browser


def _spec(slug: str, questions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Campaign {slug}",
        "slug": slug,
        "guidelines": "Be **fair**.",
        "redundancy": 1,
        "questions": questions,
        **extra,
    }


def _rows(n: int, n_candidates: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{tag}{i}",
            "prompt": f"{tag} prompt {i}?",
            "candidates": [f"{tag} answer {i} number {c}" for c in range(n_candidates)],
        }
        for i in range(n)
    ]


@pytest.fixture
def people(server, db, unique):
    """A researcher (API client) and an annotator's email; closes the client afterwards."""
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    yield researcher, annotator_email
    researcher.close()


def _campaign(researcher: httpx.Client, spec: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    response = researcher.post("/api/campaigns", json=spec)
    assert response.status_code == 201, response.text
    response = researcher.post(
        f"/api/campaigns/{spec['slug']}/items/import",
        files={"file": ("i.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert response.status_code == 201, response.text
    return spec["slug"]


def _annotator_page(browser, server: str, email: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/annotate"))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def _open(page, server: str, slug: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/annotate/{slug}")
    task = page.locator('[data-testid="task"]')
    task.wait_for()
    return task.get_attribute("data-assignment-id")


def _wait_moved_on(page, previous: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        """(previous) => {
            const t = document.querySelector('[data-testid="task"]');
            return document.querySelector('[data-testid="done"]') ||
                   (t && t.getAttribute('data-assignment-id') !== previous);
        }""",
        arg=previous,
    )


def _my_judgments(page, server: str, slug: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = page.request.get(f"{server}/api/annotate/{slug}/judgments")
    assert response.ok, response.text()
    return sorted(response.json(), key=lambda j: j["id"])


def _rank_order(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        '[data-testid^="rank-item-"]', "els => els.map(e => e.dataset.testid.slice(-1))"
    )


def _drag(page, source: str, target: str) -> None:  # type: ignore[no-untyped-def]
    """A real pointer drag: press on the source entry, move past the target's top edge, release."""
    src = page.locator(f'[data-testid="{source}"] .rank-item__text').bounding_box()
    dst = page.locator(f'[data-testid="{target}"]').bounding_box()
    assert src and dst
    page.mouse.move(src["x"] + 10, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(src["x"] + 10, src["y"] + src["height"] / 2 - 8, steps=4)
    page.mouse.move(dst["x"] + 20, dst["y"] + 4, steps=12)
    page.wait_for_timeout(150)
    page.mouse.up()
    # dnd-kit swallows the click that ends a drag (for 50 ms): don't click anything before then.
    page.wait_for_timeout(200)


def test_ranking_by_drag_then_by_keyboard(browser, server, people, unique):
    researcher, annotator = people
    slug = _campaign(
        researcher,
        _spec(
            f"rank-{unique}",
            [{"kind": "ranking", "id": "ranking", "allow_ties": True}],
            max_candidates_shown=3,
        ),
        _rows(2, 3, "rank"),
    )
    page = _annotator_page(browser, server, annotator)

    # Item 1: nothing is ranked and Submit waits; "Keep this order" places A, B, C, then a drag
    # moves C to the top.
    first = _open(page, server, slug)
    assert _rank_order(page) == []
    assert page.get_by_test_id("submit").is_disabled()
    page.get_by_test_id("rank-keep-ranking").click()
    assert _rank_order(page) == ["A", "B", "C"]
    _drag(page, "rank-item-C", "rank-item-A")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid^="rank-item-"]')]
                 .map(e => e.dataset.testid.slice(-1)).join('') === 'CAB'"""
    )
    assert "position 1 of 3" in page.get_by_test_id("rank-announce-ranking").inner_text()
    page.get_by_test_id("submit").click()
    _wait_moved_on(page, first)

    judgments = _my_judgments(page, server, slug)
    assert len(judgments) == 1
    assert judgments[0]["answers"]["ranking"]["ranking"] == [["C"], ["A"], ["B"]]
    assert judgments[0]["answers"]["ranking"]["none_acceptable"] is False

    # Item 2: keyboard only. Enter ranks B first, 3 puts C next (the end), 2 puts A above C, then
    # Alt+↑ and Alt+↓ on A, C tied with the entry above (T), Enter submits.
    second = page.get_by_test_id("task").get_attribute("data-assignment-id")
    page.get_by_test_id("rank-pool-B").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("3")  # the focus moved on to C, the next response not ranked yet
    assert _rank_order(page) == ["B", "C"]
    assert page.get_by_test_id("submit").is_disabled()
    page.keyboard.press("2")  # now on A
    assert _rank_order(page) == ["B", "A", "C"]
    page.keyboard.press("Alt+ArrowUp")
    assert _rank_order(page) == ["A", "B", "C"]
    page.keyboard.press("Alt+ArrowDown")
    assert _rank_order(page) == ["B", "A", "C"]
    page.get_by_test_id("rank-item-C").focus()
    page.keyboard.press("t")
    assert page.get_by_test_id("rank-tie-C").is_checked()
    page.keyboard.press("Enter")
    _wait_moved_on(page, second)
    page.get_by_test_id("done").wait_for()

    judgments = _my_judgments(page, server, slug)
    assert len(judgments) == 2
    assert judgments[1]["answers"]["ranking"]["ranking"] == [["B"], ["A", "C"]]
    assert page.js_errors == []


def test_binary_and_negative_only_screens(browser, server, people, unique):
    researcher, annotator = people
    binary = _campaign(
        researcher, _spec(f"bin-{unique}", [{"kind": "binary", "id": "ok"}]), _rows(1, 2, "bin")
    )
    negative = _campaign(
        researcher,
        _spec(f"neg-{unique}", [{"kind": "negative_only", "id": "bad"}]),
        _rows(1, 2, "neg"),
    )
    page = _annotator_page(browser, server, annotator)

    # Binary: A by click, B by keyboard on its focused row; Enter submits.
    assignment = _open(page, server, binary)
    submit = page.get_by_test_id("submit")
    page.get_by_test_id("vote-A-up").click()
    assert submit.is_disabled()
    page.get_by_test_id("vote-row-B").focus()
    page.keyboard.press("d")
    assert page.get_by_test_id("vote-B-down").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Enter")
    _wait_moved_on(page, assignment)
    [judgment] = _my_judgments(page, server, binary)
    assert judgment["answers"]["ok"] == {"votes": {"A": "up", "B": "down"}}

    # Negative-only: marking B needs a reason before Submit is enabled.
    assignment = _open(page, server, negative)
    submit = page.get_by_test_id("submit")
    assert submit.is_enabled()  # nothing marked is a valid answer
    page.get_by_test_id("unacceptable-B").click()
    assert submit.is_disabled()
    page.get_by_test_id("reason-B-incorrect").check()
    assert submit.is_enabled()
    submit.click()
    _wait_moved_on(page, assignment)
    [judgment] = _my_judgments(page, server, negative)
    assert judgment["answers"]["bad"] == {"unacceptable": {"B": ["incorrect"]}}
    assert page.js_errors == []


def test_combined_screen_reaches_the_judgments_export(browser, server, people, unique):
    researcher, annotator = people
    questions = [
        {"kind": "pairwise", "id": "preference", "strength": True},
        {
            "kind": "rating",
            "id": "rating",
            "attributes": [
                {
                    "id": "helpfulness",
                    "label": "Helpfulness",
                    "scale": {"min": 0, "max": 4, "anchors": {"0": "useless", "4": "perfect"}},
                }
            ],
        },
        {"kind": "text", "id": "why", "min_length": 5, "help": "Say *why*."},
    ]
    slug = _campaign(researcher, _spec(f"mix-{unique}", questions), _rows(1, 2, "mix"))
    page = _annotator_page(browser, server, annotator)
    assignment = _open(page, server, slug)
    submit = page.get_by_test_id("submit")

    page.keyboard.press("2")
    page.keyboard.press("8")
    assert page.get_by_test_id("strength-clear").get_attribute("aria-pressed") == "true"
    page.get_by_test_id("score-A-helpfulness-1").check()
    page.get_by_test_id("score-B-helpfulness-4").check()
    assert page.get_by_test_id("question-why").locator("em", has_text="why").count() == 1
    text = page.get_by_test_id("text-why")
    text.fill("B!")
    assert submit.is_disabled()  # shorter than min_length
    text.fill("B answers the question.")
    text.press("Control+Enter")
    _wait_moved_on(page, assignment)
    page.get_by_test_id("undo-toast").wait_for()

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"})
    assert job.status_code in (200, 201, 202), job.text
    job_id = job.json()["id"]
    state = wait_for(
        lambda: (
            (s := researcher.get(f"/api/exports/{job_id}").json())["status"]
            in ("succeeded", "failed")
            and s
        ),
        timeout=60,
    )
    assert state["status"] == "succeeded", state
    raw = researcher.get(f"/api/exports/{job_id}/files/judgments.jsonl")
    assert raw.status_code == 200, raw.text
    rows = {r["question"]: r for r in (json.loads(line) for line in raw.text.splitlines())}
    assert set(rows) == {"preference", "rating", "why"}
    assert {r["kind"] for r in rows.values()} == {"pairwise", "rating", "text"}
    assert rows["preference"]["answer"]["choice"] == "B"
    assert rows["preference"]["answer"]["strength"] == "clear"
    scores = {"A": {"helpfulness": 1}, "B": {"helpfulness": 4}}
    assert rows["rating"]["answer"] == {"scores": scores}
    assert rows["why"]["answer"] == {"text": "B answers the question."}
    annotators = {r["annotator_id"] for r in rows.values()}
    assert len(annotators) == 1 and None not in annotators
    assert all(len(r["shown_order"]) == 2 for r in rows.values())
    assert page.js_errors == []


def test_undo_reopens_the_task_with_its_answers(browser, server, people, unique):
    researcher, annotator = people
    questions = [{"kind": "pairwise", "id": "preference"}, {"kind": "text", "id": "why"}]
    slug = _campaign(researcher, _spec(f"undo-{unique}", questions), _rows(2, 2, "undo"))
    page = _annotator_page(browser, server, annotator)
    first = _open(page, server, slug)

    page.keyboard.press("1")
    page.get_by_test_id("text-why").fill("first thought")
    page.get_by_test_id("submit").click()
    _wait_moved_on(page, first)
    page.get_by_test_id("undo-toast").wait_for()
    page.locator("body").press("z")

    page.wait_for_function(
        """(first) => document.querySelector('[data-testid="task"]')
                      ?.getAttribute('data-assignment-id') === first""",
        arg=first,
    )
    assert page.get_by_test_id("choice-A").get_attribute("aria-pressed") == "true"
    assert page.get_by_test_id("text-why").input_value() == "first thought"
    page.keyboard.press("2")
    page.get_by_test_id("submit").click()
    _wait_moved_on(page, first)

    judgments = _my_judgments(page, server, slug)
    answers = [j["answers"]["preference"]["choice"] for j in judgments]
    assert answers[-1] == "B", judgments
    assert len({j["client_id"] for j in judgments}) == len(judgments)
    assert page.js_errors == []
