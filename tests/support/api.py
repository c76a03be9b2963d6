"""Helpers for driving the API as real users: accounts, login, campaigns, imports."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def make_user(db, email: str, role: str = "annotator", password: str = PASSWORD) -> int:  # type: ignore[no-untyped-def]
    from prefhub.auth.service import create_user
    from prefhub.models import Role

    with db() as session:
        return create_user(session, email=email, password=password, role=Role(role)).id


def login(client: httpx.Client | TestClient, email: str, password: str = PASSWORD) -> None:
    """Log in and echo the CSRF cookie in a header, as the web app does."""
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]


def pairwise_spec(slug: str, redundancy: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Campaign {slug}",
        "slug": slug,
        "guidelines": "Pick the **better** answer.",
        "redundancy": redundancy,
        "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
        **extra,
    }


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def items(n: int, prefix: str = "item") -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}-{i}",
            "prompt": f"Question {i}: what is {i} + {i}?",
            "candidates": [
                {"content": f"It is {2 * i}.", "model": "good-model"},
                {"content": f"It is {2 * i + 1}, I think.", "model": "bad-model"},
            ],
        }
        for i in range(n)
    ]


def create_campaign_with_items(
    client: httpx.Client | TestClient, slug: str, n_items: int, redundancy: int = 2
) -> None:
    response = client.post("/api/campaigns", json=pairwise_spec(slug, redundancy))
    assert response.status_code == 201, response.text
    response = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(n_items)), "application/jsonl")},
    )
    assert response.status_code == 201, response.text


def judge_next(  # type: ignore[no-untyped-def]
    client,
    slug: str,
    answers: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]],
    time_spent_ms: int | None = None,
):
    """Take the next task and submit ``answers`` (a function of the task, or a dict)."""
    import uuid

    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    response = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": answers(task) if callable(answers) else answers,
            "time_spent_ms": time_spent_ms,
        },
    )
    assert response.status_code == 200, response.text
    return response


def finished_export(client: httpx.Client, slug: str, fmt: str) -> dict[str, Any]:
    """Start an export of ``slug`` in ``fmt`` (the server's workers run it) and return the
    job once it has succeeded."""
    from support.processes import wait_for

    job = client.post(f"/api/campaigns/{slug}/exports", json={"format": fmt})
    assert job.status_code in (200, 201, 202), job.text
    job_id = job.json()["id"]
    state: dict[str, Any] = wait_for(
        lambda: (
            (s := client.get(f"/api/exports/{job_id}").json())["status"] in ("succeeded", "failed")
            and s
        ),
        timeout=60,
    )
    assert state["status"] == "succeeded", state
    return state


def export_rows(client: httpx.Client, slug: str, fmt: str, file: str) -> list[dict[str, Any]]:
    """Run an export of ``slug`` in ``fmt``, wait for it to succeed, and read ``file``'s rows."""
    job_id = finished_export(client, slug, fmt)["id"]
    text = client.get(f"/api/exports/{job_id}/files/{file}").text
    return [json.loads(line) for line in text.splitlines()]
