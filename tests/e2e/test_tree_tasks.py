"""Tree tasks in headless Chromium: one annotator writes an assistant reply in the composer,
another labels both replies in the review screen and ranks them with the keyboard; the database
holds exactly what the browser sent, and the tree is ready for export."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from support.api import login, make_user
from support.browser import signed_in_page, wait_moved_on
from trees.conftest import next_task, submit, tree_spec, work

pytestmark = pytest.mark.browser

REPLY = "Paris is the capital of France. It sits on the **Seine**."


def _api_annotator(server: str, db, email: str) -> httpx.Client:  # type: ignore[no-untyped-def]
    make_user(db, email, "annotator")
    client = httpx.Client(base_url=server, timeout=30)
    login(client, email)
    return client


def _browser_annotator(browser, server: str, db, email: str, slug: str):  # type: ignore[no-untyped-def]
    make_user(db, email, "annotator")
    page = signed_in_page(browser, server, email, viewport={"width": 1000, "height": 900})
    page.goto(f"{server}/annotate/{slug}/trees")
    return page


def _task(page, kind: str) -> int:  # type: ignore[no-untyped-def]
    """Wait for a task of `kind` on the screen; its id."""
    task = page.locator(f'[data-testid="tree-task"][data-kind="{kind}"]')
    task.wait_for()
    return int(task.get_attribute("data-task-id"))


def _review(page, quality: int) -> int:  # type: ignore[no-untyped-def]
    """Accept the highlighted message with Y, flag nothing, pick a quality, submit with Enter."""
    task_id = _task(page, "review")
    submit_button = page.get_by_test_id("tree-submit")
    assert submit_button.is_disabled()  # "acceptable?" is required
    page.keyboard.press("y")
    assert page.get_by_test_id("acceptable-yes").is_checked()
    page.get_by_test_id(f"label-prompt-quality-{quality}").check()
    page.get_by_test_id("tree-task").locator("h1").focus()
    page.keyboard.press("Enter")
    wait_moved_on(page, task_id, tree=True)
    return task_id


def test_reply_review_and_ranking_screens_store_what_the_browser_sent(browser, server, db, unique):
    from prefhub.models import (
        ConversationTree,
        TreeMessage,
        TreeRanking,
        TreeReview,
        TreeTask,
        User,
    )

    researcher = httpx.Client(base_url=server, timeout=30)
    make_user(db, f"r-{unique}@example.org", "researcher")
    login(researcher, f"r-{unique}@example.org")
    slug = f"trees-e2e-{unique}"
    spec = tree_spec(
        slug,
        reviews_needed_prompt=1,
        reviews_needed_reply=1,
        rankings_needed=1,
        goal_tree_size=3,
        max_depth=1,
        max_children=2,
    )
    created = researcher.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    prompter, prompt_reviewer, other_writer = (
        _api_annotator(server, db, f"{who}-{unique}@example.org")
        for who in ("prompter", "prompt-reviewer", "other-writer")
    )

    # The earlier steps through the API: a prompt, accepted by one review.
    assert work(prompter, slug)["kind"] == "initial_prompt"
    assert work(prompt_reviewer, slug)["kind"] == "review"
    # Another annotator holds the second reply slot, so the browser's writer gets the first.
    other_task = next_task(other_writer, slug)
    assert other_task["kind"] == "assistant_reply"

    # 1. The composer: write the assistant's reply, preview it, submit with Ctrl+Enter.
    writer = _browser_annotator(browser, server, db, f"writer-{unique}@example.org", slug)
    write_task = _task(writer, "assistant_reply")
    writer.locator('[data-testid^="path-message-"]', has_text="initial_prompt written").wait_for()
    text = writer.get_by_test_id("composer-text")
    text.fill("Paris")
    assert "at least 3" in writer.get_by_test_id("composer-counter").inner_text()
    text.fill(REPLY)
    writer.get_by_role("tab", name="Preview").click()
    assert writer.get_by_test_id("composer").locator("strong", has_text="Seine").count() == 1
    writer.get_by_role("tab", name="Write").click()
    writer.get_by_test_id("composer-text").press("Control+Enter")
    wait_moved_on(writer, write_task, tree=True)
    # Nothing left for the writer: the other slot is taken and nobody reviews their own reply.
    writer.get_by_test_id("tree-done").wait_for()
    assert writer.js_errors == []  # type: ignore[attr-defined]

    assert submit(other_writer, slug, other_task).status_code == 200

    # 2. The review screen: a fresh annotator reviews and labels both replies (Y, a quality, Enter).
    judge = _browser_annotator(browser, server, db, f"judge-{unique}@example.org", slug)
    reviews = {_review(judge, quality=3), _review(judge, quality=1)}

    # 3. The ranking screen starts unranked (Submit waits): the judge (author of neither reply)
    # presses Enter on B, then on A (focus moves there), then Enter again submits.
    rank_task = _task(judge, "rank")
    previews = judge.eval_on_selector_all(
        '[data-testid^="rank-pool-"]', "els => els.map(e => e.textContent)"
    )
    assert len(previews) == 2
    assert judge.get_by_test_id("tree-submit").is_disabled()
    judge.get_by_test_id("rank-pool-B").focus()
    judge.keyboard.press("Enter")
    judge.wait_for_function("() => document.activeElement?.dataset.testid === 'rank-pool-A'")
    judge.keyboard.press("Enter")
    order = judge.eval_on_selector_all(
        '[data-testid^="rank-item-"]', "els => els.map(e => e.dataset.testid.slice(-1))"
    )
    assert order == ["B", "A"]
    assert judge.get_by_test_id("tree-submit").is_enabled()
    judge.keyboard.press("Enter")
    wait_moved_on(judge, rank_task, tree=True)
    # The tree is finished, so the campaign's one active-tree slot is free: a new tree starts.
    _task(judge, "initial_prompt")
    assert judge.js_errors == []  # type: ignore[attr-defined]
    # The reply written in the browser is the one that was shown second (B) or first (A).
    browser_reply_label = "A" if "Seine" in previews[0] else "B"

    with db() as session:
        users = dict(
            session.execute(
                select(User.email, User.id).where(User.email.like(f"%-{unique}@example.org"))
            ).all()
        )
        writer_id = users[f"writer-{unique}@example.org"]
        judge_id = users[f"judge-{unique}@example.org"]
        task = session.get_one(TreeTask, write_task)
        tree = session.get_one(ConversationTree, task.tree_id)
        assert tree.state.value == "ready_for_export"
        messages = session.scalars(select(TreeMessage).where(TreeMessage.tree_id == tree.id)).all()
        replies = {m.id: m for m in messages if m.parent_id is not None}
        written = [m for m in replies.values() if m.author_id == writer_id]
        assert [m.content for m in written] == [[{"type": "text", "text": REPLY}]]
        assert written[0].role.value == "assistant"

        stored_reviews: list[Any] = session.scalars(
            select(TreeReview).where(TreeReview.annotator_id == judge_id)
        ).all()
        assert {r.task_id for r in stored_reviews} == reviews
        assert {r.message_id for r in stored_reviews} == set(replies)
        assert all(r.acceptable for r in stored_reviews)
        qualities = sorted(r.labels["labels"]["values"]["quality"] for r in stored_reviews)
        assert qualities == [1, 3]
        assert {r.labels["labels"]["values"].get("spam") for r in stored_reviews} <= {False, None}

        [ranking] = session.scalars(
            select(TreeRanking).where(TreeRanking.annotator_id == judge_id)
        ).all()
        assert ranking.task_id == rank_task
        # B was moved to the top: best first, one reply per tier.
        other_reply = next(i for i in replies if i != written[0].id)
        other_label = "AB".replace(browser_reply_label, "")
        shown = {browser_reply_label: written[0].id, other_label: other_reply}
        assert ranking.tiers == [[shown["B"]], [shown["A"]]]
    for client in (researcher, prompter, prompt_reviewer, other_writer):
        client.close()
