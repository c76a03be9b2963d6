"""Helpers for tree tests: a tree campaign and annotators who answer whatever task they get."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def tree_spec(slug: str, **trees: Any) -> dict[str, Any]:
    settings = {
        "goal_tree_size": 4,
        "max_depth": 2,
        "max_children": 2,
        "reviews_needed_prompt": 1,
        "reviews_needed_reply": 1,
        "rankings_needed": 1,
        "max_active_trees": 1,
        "reply_min_length": 3,
        "lone_reply_sibling_probability": 1.0,
    } | trees
    return {
        "name": slug,
        "slug": slug,
        "questions": [{"kind": "labels", "target": "prompt"}],
        "lease_minutes": 30,
        "trees": settings,
    }


def answer_for(task: dict[str, Any], *, acceptable: bool = True, spam: bool = False) -> dict:
    kind = task["kind"]
    if kind in ("initial_prompt", "assistant_reply", "prompter_reply"):
        return {"kind": kind, "text": f"A {kind} written for task {task['id']}."}
    if kind == "review":
        values = {"spam": spam, "quality": 3 if acceptable else 0}
        return {
            "kind": "review",
            "acceptable": acceptable,
            "labels": {"labels": {"values": values}},
        }
    return {"kind": "rank", "ranking": [[r["id"]] for r in task["replies"]]}


def next_task(client, slug: str) -> dict | None:
    response = client.get(f"/api/annotate/{slug}/tree-tasks/next")
    assert response.status_code == 200, response.text
    return response.json()["task"]


def submit(client, slug: str, task: dict, answer: dict | None = None, client_id: str | None = None):
    return client.post(
        f"/api/annotate/{slug}/tree-tasks/{task['id']}/submit",
        json={
            "client_id": client_id or str(uuid.uuid4()),
            "answer": answer or answer_for(task),
            "time_spent_ms": 1000,
        },
    )


def work(client, slug: str, **answer: Any) -> dict | None:
    """Take the next task and answer it; the task (or None when there was no work)."""
    task = next_task(client, slug)
    if task is not None:
        response = submit(client, slug, task, answer_for(task, **answer))
        assert response.status_code == 200, response.text
        task["result"] = response.json()
    return task


def grow_to_ranking(as_user, researcher, slug: str, growers: int = 4) -> int:  # type: ignore[no-untyped-def]
    """Fresh annotators take turns until the first tree waits for rankings; its id."""
    people = [as_user("annotator") for _ in range(growers)]
    tree_id = work(people[0], slug)["result"]["tree_id"]  # type: ignore[index]
    turns = (person for _ in range(30) for person in people)
    while researcher.get(f"/api/trees/{tree_id}").json()["state"] != "ranking":
        work(next(turns), slug)
    return tree_id


@pytest.fixture
def tree_campaign(as_user, unique):
    def make(**trees: Any) -> tuple[Any, str]:
        researcher = as_user("researcher")
        slug = f"trees-{unique}-{uuid.uuid4().hex[:4]}"
        created = researcher.post("/api/campaigns", json=tree_spec(slug, **trees))
        assert created.status_code == 201, created.text
        return researcher, slug

    return make
