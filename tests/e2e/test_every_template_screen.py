"""Every text template of the campaign builder, end to end in headless Chromium and through the
UI only: a researcher picks the template, answers its live preview, creates the draft, imports
items from a JSONL file and activates it; an annotator answers the task in the browser; the
researcher exports in the template's format from the campaign page, downloads the data file,
and finds the annotator's answers in its rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.api import jsonl, make_user
from support.browser import (
    activate_in_browser,
    create_from_builder,
    export_in_browser,
    import_in_browser,
    open_builder_template,
    reply_text,
    shown_candidates,
    signed_in_page,
    wait_moved_on,
)

pytestmark = pytest.mark.browser

# What the builder's preview shows each template on (backend/prefhub/campaigns/templates.py).
SAMPLE_PROMPT = "How do I boil an egg?"
SAMPLE_FIRST = "Put the egg in boiling water for 7 to 9 minutes"

Answers = dict[str, Any]
Shown = dict[str, str]  # candidate label → the text shown under it


def _click_preview_heading(page: Any) -> None:
    """Move focus off the builder's form, so that task shortcuts reach the preview."""
    page.get_by_role("heading", name="Preview").click()


def _answer_pairwise(page: Any, scope: Any, labels: list[str]) -> Answers:
    # Keys: 2 picks B, 8 says "clearly better"; with both given the screen submits by itself.
    page.keyboard.press("2")
    scope.get_by_test_id("strength-clear").wait_for()
    page.keyboard.press("8")
    return {"preference": {"choice": "B", "strength": "clear"}}


def _check_dpo(rows: list[dict[str, Any]], shown: Shown) -> None:
    [row] = rows
    assert reply_text(row["chosen"]) == shown["B"]
    assert reply_text(row["rejected"]) == shown["A"]
    assert row["prompt"][-1]["role"] == "user"


def _answer_ranking(page: Any, scope: Any, labels: list[str]) -> Answers:
    from playwright.sync_api import expect

    # Nothing is ranked at first, so Submit waits. Keyboard only: 1 on C puts it first, Enter on
    # each other response ranks it next, and Enter on the last one placed submits.
    expect(scope.get_by_test_id("submit")).to_be_disabled()
    expect(scope.locator('[data-testid^="rank-item-"]')).to_have_count(0)
    scope.get_by_test_id("rank-pool-C").focus()
    page.keyboard.press("1")
    order = ["C", *[label for label in labels if label != "C"]]
    for label in order[1:]:
        scope.get_by_test_id(f"rank-pool-{label}").focus()
        page.keyboard.press("Enter")
    entries = scope.locator('[data-testid^="rank-item-"]')
    expect(entries).to_have_count(len(order))
    assert [e.get_attribute("data-testid")[-1] for e in entries.all()] == order
    expect(scope.get_by_test_id(f"rank-item-{order[-1]}")).to_be_focused()
    page.keyboard.press("Enter")
    return {"ranking": {"ranking": [[label] for label in order], "none_acceptable": False}}


def _check_ranking(rows: list[dict[str, Any]], shown: Shown) -> None:
    [row] = rows
    assert [reply_text(c) for c in row["completions"]] == [shown["C"], shown["A"], shown["B"]]
    assert row["ranks"] == [0, 1, 2]


def _answer_thumbs(page: Any, scope: Any, labels: list[str]) -> Answers:
    # A by click; B by keyboard on its focused row; Enter submits.
    scope.get_by_test_id("vote-A-up").click()
    scope.get_by_test_id("vote-row-B").focus()
    page.keyboard.press("d")
    page.keyboard.press("Enter")
    return {"acceptable": {"votes": {"A": "up", "B": "down"}}}


def _check_kto(rows: list[dict[str, Any]], shown: Shown) -> None:
    labels = {reply_text(r["completion"]): r["label"] for r in rows}
    assert labels == {shown["A"]: True, shown["B"]: False}


ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
SCORES = {
    "A": dict(zip(ATTRIBUTES, (4, 3, 4, 1, 2), strict=True)),
    "B": dict(zip(ATTRIBUTES, (0, 1, 2, 3, 4), strict=True)),
}


def _answer_attributes(page: Any, scope: Any, labels: list[str]) -> Answers:
    for label in labels:
        for attribute, score in SCORES[label].items():
            scope.get_by_test_id(f"score-{label}-{attribute}-{score}").check()
    scope.get_by_test_id("submit").click()
    return {"attributes": {"scores": SCORES}}


def _check_ratings(rows: list[dict[str, Any]], shown: Shown) -> None:
    scored = {reply_text(r["response"]): {a: r[a] for a in ATTRIBUTES} for r in rows}
    assert scored == {shown[label]: SCORES[label] for label in ("A", "B")}


CRITIQUES = {"A": "Too vague about the timing.", "B": "Not an answer to the question."}
REFINEMENT = "Boil the egg for 7 minutes, then cool it in cold water for a minute."


def _answer_critique(page: Any, scope: Any, labels: list[str]) -> Answers:
    scope.get_by_test_id("choice-A").click()
    for label in labels:
        scope.get_by_test_id(f"text-critique-{label}").fill(CRITIQUES[label])
    refinement = scope.get_by_test_id("text-refinement")
    refinement.fill(REFINEMENT)
    refinement.press("Control+Enter")
    return {
        "preference": {"choice": "A"},
        "critique": {"texts": CRITIQUES},
        "refinement": {"text": REFINEMENT},
    }


def _check_feedback(rows: list[dict[str, Any]], shown: Shown) -> None:
    found = {reply_text(r["response"]): (r["critique"], r["refinement"]) for r in rows}
    # The item's refinement is of the response the annotator preferred (A).
    assert found == {shown["A"]: (CRITIQUES["A"], REFINEMENT), shown["B"]: (CRITIQUES["B"], None)}


@dataclass(frozen=True)
class Template:
    id: str
    questions: tuple[str, ...]  # each question's prompt, as the task screen heads it
    export: str
    answer: Callable[[Any, Any, list[str]], Answers]
    check: Callable[[list[dict[str, Any]], Shown], None]
    candidates: int = 2  # per imported item
    preview_candidates: int = 2  # of the sample's four, as many as a task of the template shows


TEMPLATES = [
    Template(
        id="pairwise-dpo",
        questions=("Which response is better?",),
        export="dpo",
        answer=_answer_pairwise,
        check=_check_dpo,
    ),
    Template(
        id="ranking",
        questions=("Rank the responses, best first.",),
        candidates=3,
        preview_candidates=4,
        export="ranking",
        answer=_answer_ranking,
        check=_check_ranking,
    ),
    Template(
        id="kto-thumbs",
        questions=("Is this response acceptable?",),
        export="kto",
        answer=_answer_thumbs,
        check=_check_kto,
    ),
    Template(
        id="helpsteer-attributes",
        questions=("Rate each response.",),
        export="ratings",
        answer=_answer_attributes,
        check=_check_ratings,
    ),
    Template(
        id="critique-refinement",
        questions=(
            "Which response is better?",
            "What is wrong with the responses?",
            "Rewrite the better response so it has none of these faults.",
        ),
        export="feedback",
        answer=_answer_critique,
        check=_check_feedback,
    ),
]


def _replies(template: Template) -> list[str]:
    return [f"{template.id} reply number {n}." for n in range(template.candidates)]


def _items_file(tmp_path: Path, template: Template) -> Path:
    path = tmp_path / f"{template.id}.jsonl"
    path.write_bytes(
        jsonl(
            [
                {
                    "id": f"{template.id}-1",
                    "prompt": f"A question for the {template.id} campaign?",
                    "candidates": [
                        {"content": reply, "model": f"model-{n}"}
                        for n, reply in enumerate(_replies(template))
                    ],
                }
            ]
        )
    )
    return path


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_a_template_campaign_is_built_annotated_and_exported_in_the_browser(
    template: Template, browser, server, db, unique, tmp_path: Path
):
    researcher_email, annotator_email = f"r-{unique}@example.org", f"a-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    name, slug = f"{template.id} study {unique}", f"{template.id}-{unique}"

    # 1. The builder: the template's questions on its sample item, answered in the preview.
    researcher = signed_in_page(
        browser, server, researcher_email, r"/admin$", viewport={"width": 1500, "height": 1000}
    )
    preview = open_builder_template(researcher, server, template.id, name=name, slug=slug)
    assert preview.get_by_text(SAMPLE_PROMPT).is_visible()
    sample = shown_candidates(preview)
    assert len(sample) == template.preview_candidates
    assert sample["A"].startswith(SAMPLE_FIRST)
    for prompt in template.questions:
        assert preview.get_by_role("region", name=prompt).is_visible(), prompt
    _click_preview_heading(researcher)
    expected = template.answer(researcher, preview, list(sample))
    stored = preview.get_by_test_id("preview-answers")
    stored.wait_for()
    assert json.loads(stored.inner_text()) == expected
    create_from_builder(researcher, slug, name)

    # 2-3. Items from a JSONL file, then live.
    import_in_browser(researcher, _items_file(tmp_path, template), imported=1)
    activate_in_browser(researcher)

    # 4. The annotator finds it on their list and answers every question.
    annotator = signed_in_page(browser, server, annotator_email)
    annotator.get_by_role("link", name=f"Start {name}").click()
    task = annotator.get_by_test_id("task")
    task.wait_for()
    assignment = task.get_attribute("data-assignment-id")
    for prompt in template.questions:
        assert annotator.get_by_role("region", name=prompt).is_visible(), prompt
    shown = shown_candidates(annotator)
    assert sorted(shown.values()) == _replies(template)
    template.answer(annotator, annotator, list(shown))
    wait_moved_on(annotator, assignment)
    annotator.get_by_test_id("done").wait_for()

    # 5. The researcher's export, downloaded from the campaign page.
    rows = export_in_browser(researcher, template.export, tmp_path)
    template.check(rows, shown)
    assert {r["campaign"] for r in rows} == {slug}
    assert researcher.js_errors == [] and annotator.js_errors == []
