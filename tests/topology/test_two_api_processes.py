"""Two API processes behind one database, as behind a load balancer: what is changed through
one is what the other answers on its very next request. A new spec version, a paused
campaign, a disabled account and an ended session all take effect at once everywhere, because
every request reads its caller and its campaign from the database (one statement) and the
parsed spec is kept per version only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from support.api import (
    PASSWORD,
    create_campaign_with_items,
    judge_next,
    login,
    make_user,
    pairwise_spec,
)
from support.processes import api_server


@contextmanager
def _two_api_processes(run_dir: Path, unique: str) -> Iterator[tuple[str, str]]:
    env = {"PREFHUB_DATA_DIR": str(run_dir / f"two-{unique}")}
    with ExitStack() as stack:
        bases = [
            stack.enter_context(
                api_server(env, run_dir / f"two-{name}-{unique}.log", ["--no-embedded-worker"])
            )
            for name in ("a", "b")
        ]
        yield bases[0], bases[1]


def _client(base: str, email: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    if email is not None:
        login(client, email)
    return client


def _as(base: str, other: httpx.Client) -> httpx.Client:
    """A client of ``base`` carrying ``other``'s browser session (same cookie, same CSRF)."""
    client = httpx.Client(base_url=base, timeout=30, headers=dict(other.headers))
    for name, value in other.cookies.items():
        client.cookies.set(name, value)
    return client


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def users(db, unique):  # type: ignore[no-untyped-def]
    emails = {
        role: f"two-{role}-{unique}@example.org"
        for role in ("researcher", "admin", "annotator", "leaver", "disabled", "scripted")
    }
    roles = {"researcher": "researcher", "admin": "admin", "scripted": "researcher"}
    return {
        name: (email, make_user(db, email, roles.get(name, "annotator"), PASSWORD))
        for name, email in emails.items()
    }


def test_changes_through_one_api_process_are_seen_by_the_other_on_its_next_request(
    migrated, run_dir, unique, users
):
    slug = f"two-{unique}"
    with _two_api_processes(run_dir, unique) as (a, b):
        researcher_b = _client(b, users["researcher"][0])
        admin_b = _client(b, users["admin"][0])
        create_campaign_with_items(researcher_b, slug, n_items=6, redundancy=3)
        annotator_a = _client(a, users["annotator"][0])
        leaver_a = _client(a, users["leaver"][0])
        disabled_a = _client(a, users["disabled"][0])
        token = (
            _client(b, users["scripted"][0])
            .post("/api/auth/tokens", json={"name": "script"})
            .json()["token"]
        )
        scripted_a = httpx.Client(
            base_url=a, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        next_url = f"/api/annotate/{slug}/next"

        # Everyone works through A first, so anything A could keep from these requests is kept.
        for client in (annotator_a, leaver_a, disabled_a, scripted_a):
            first = client.get(next_url)
            assert first.status_code == 200, first.text
            assert first.json()["task"]["campaign"]["guidelines"] == "Pick the **better** answer."

        # A researcher saves a new spec through B: A serves it on its next request.
        new_spec = pairwise_spec(slug, redundancy=3, guidelines="Version two: prefer the shorter.")
        saved = researcher_b.put(f"/api/campaigns/{slug}/spec", json=new_spec)
        assert saved.status_code == 200, saved.text
        task = annotator_a.get(next_url).json()["task"]
        assert task["campaign"]["guidelines"] == "Version two: prefer the shorter."
        judge_next(annotator_a, slug, {"preference": {"choice": "A"}})  # holds no task now

        # A user logs out through B (the same browser session): A refuses that session at once.
        logout = _as(b, leaver_a).post("/api/auth/logout")
        assert logout.status_code == 204, logout.text
        assert _error(leaver_a.get(next_url)) == (401, "not_authenticated")

        # An admin disables two accounts through B: their session and their API token stop
        # working on A.
        for _, user_id in (users["disabled"], users["scripted"]):
            off = admin_b.post(f"/api/users/{user_id}/deactivate")
            assert off.status_code == 200, off.text
        assert _error(disabled_a.get(next_url)) == (401, "not_authenticated")
        assert _error(scripted_a.get(next_url)) == (401, "not_authenticated")

        # The researcher pauses the campaign through B: A gives no new task (the annotator
        # holds none: theirs was submitted above).
        paused = researcher_b.post(f"/api/campaigns/{slug}/status", json={"status": "paused"})
        assert paused.status_code == 200, paused.text
        assert _error(annotator_a.get(next_url)) == (409, "campaign_not_active")

        # And the other way round: reopened through A, B gives tasks again.
        reopened = _as(a, researcher_b).post(
            f"/api/campaigns/{slug}/status", json={"status": "active"}
        )
        assert reopened.status_code == 200, reopened.text
        assert _as(b, annotator_a).get(next_url).status_code == 200
