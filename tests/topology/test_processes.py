"""The production topology without containers: API process, worker process, broker, database.

An export job is started over HTTP and must be run by a separate worker process: the
embedded one (filesystem broker, child of ``prefhub serve``) or ``prefhub worker`` over Redis.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from support.api import create_campaign_with_items, jsonl, login, make_user
from support.processes import api_server, running, wait_for
from support.services import redis_or_skip


def _annotate_and_export(base: str, db, unique: str) -> list[dict]:  # type: ignore[no-untyped-def]
    researcher_email = f"res-{unique}@example.org"
    annotator_email = f"ann-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"topo-{unique}"
    with (
        httpx.Client(base_url=base, timeout=30) as researcher,
        httpx.Client(base_url=base, timeout=30) as annotator,
    ):
        login(researcher, researcher_email)
        login(annotator, annotator_email)
        create_campaign_with_items(researcher, slug, n_items=4, redundancy=1)
        chosen = []
        while (task := annotator.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
            response = annotator.post(
                f"/api/annotate/{slug}/submit",
                json={
                    "assignment_id": task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": {"preference": {"choice": "B"}},
                },
            )
            assert response.status_code == 200
            chosen.append(task["candidates"][1]["content"][0]["text"])
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}).json()

        def finished():  # type: ignore[no-untyped-def]
            state = researcher.get(f"/api/exports/{job['id']}").json()
            return state if state["status"] in ("succeeded", "failed") else None

        state = wait_for(finished, timeout=90)
        assert state["status"] == "succeeded", state
        text = researcher.get(f"/api/exports/{job['id']}/files/dpo.jsonl").text
    rows = [json.loads(line) for line in text.splitlines()]
    assert sorted(r["chosen"][0]["content"] for r in rows) == sorted(chosen)
    return rows


def test_export_job_runs_on_the_embedded_worker_of_prefhub_serve(migrated, db, unique, run_dir):
    env = {"PREFHUB_DATA_DIR": str(run_dir / f"embedded-{unique}")}
    with api_server(env, run_dir / f"serve-{unique}.log") as base:
        rows = _annotate_and_export(base, db, unique)
    assert len(rows) == 4


@pytest.mark.redis
def test_export_job_travels_through_redis_to_a_prefhub_worker_process(
    migrated, db, unique, run_dir
):
    redis_url = redis_or_skip()
    env = {
        "PREFHUB_REDIS_URL": redis_url,
        "PREFHUB_CELERY_QUEUE_PREFIX": f"prefhub-redis-{unique}",
    }
    log = run_dir / f"redis-{unique}.log"
    with running(["worker", "--concurrency", "1"], env, run_dir / f"worker-{unique}.log") as worker:
        with api_server(env, log, ["--no-embedded-worker"]) as base:
            rows = _annotate_and_export(base, db, unique)
        assert worker.poll() is None, "the worker died"
    assert len(rows) == 4
    assert "prefhub.exports.run_export" in (run_dir / f"worker-{unique}.log").read_text()


def test_embedded_worker_stops_when_prefhub_serve_is_terminated(migrated, unique, run_dir):
    import os
    import signal
    import subprocess
    import sys
    import time

    from support.processes import free_port

    env = dict(os.environ, PREFHUB_DATA_DIR=str(run_dir / f"stop-{unique}"))
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "prefhub.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _ok(f"http://127.0.0.1:{port}/api/health"), timeout=60)
        children = wait_for(lambda: _children(serve.pid), timeout=30)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.5)
        assert not [pid for pid in children if _alive(pid)], "embedded worker outlived serve"
    finally:
        if serve.poll() is None:
            serve.kill()


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    from pathlib import Path

    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def _generate_over_http(base: str, db, unique: str, fake) -> dict:  # type: ignore[no-untyped-def]
    email = f"gen-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"gen-topo-{unique}"
    with httpx.Client(base_url=base, timeout=30) as researcher:
        login(researcher, email)
        spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        rows = [{"id": f"p{i}", "prompt": f"Prompt {i}"} for i in range(5)]
        researcher.post(
            f"/api/campaigns/{slug}/items/import",
            files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
        )
        model = {
            "name": f"m-{unique}",
            "base_url": fake.base_url,
            "model": "fake-model",
            "max_concurrency": 2,
        }
        assert researcher.post("/api/models", json=model).status_code == 201
        job = researcher.post(
            f"/api/campaigns/{slug}/generation-jobs",
            json={"models": [f"m-{unique}"], "samples": 2},
        ).json()

        def finished():  # type: ignore[no-untyped-def]
            state = researcher.get(f"/api/generation-jobs/{job['id']}").json()
            return state if state["status"] in ("succeeded", "failed", "cancelled") else None

        state = wait_for(finished, timeout=90)
        items = researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    assert state["status"] == "succeeded", state
    assert state["progress"]["done"] == 10
    assert sorted(len(i["candidates"]) for i in items) == [2] * 5
    assert {i["status"] for i in items} == {"ready"}
    assert fake.max_concurrency_seen_for("fake-model") <= 2
    return state


def test_generation_job_runs_on_the_embedded_worker(migrated, db, unique, run_dir):
    from support.fake_openai import FakeOpenAI

    env = {"PREFHUB_DATA_DIR": str(run_dir / f"gen-embedded-{unique}")}
    with FakeOpenAI(latency=0.05) as fake, api_server(env, run_dir / f"gen-{unique}.log") as base:
        fake.fail_next(status=429, times=1, retry_after=1)
        _generate_over_http(base, db, unique, fake)


@pytest.mark.redis
def test_generation_job_runs_on_prefhub_worker_processes_over_redis(migrated, db, unique, run_dir):
    from support.fake_openai import FakeOpenAI

    env = {
        "PREFHUB_REDIS_URL": redis_or_skip(),
        "PREFHUB_CELERY_QUEUE_PREFIX": f"prefhub-gen-{unique}",
    }
    with FakeOpenAI(latency=0.05) as fake:
        fake.fail_next(status=500, times=2)
        with (
            running(["worker", "--concurrency", "4"], env, run_dir / f"gw1-{unique}.log"),
            running(["worker", "--concurrency", "4"], env, run_dir / f"gw2-{unique}.log"),
            api_server(env, run_dir / f"gapi-{unique}.log", ["--no-embedded-worker"]) as base,
        ):
            _generate_over_http(base, db, unique, fake)


def test_annotation_keeps_working_while_redis_is_down(migrated, db, unique, run_dir):
    """Redis unreachable: tasks, submissions and even starting a job still answer (no 500)."""
    from support.processes import free_port

    env = {"PREFHUB_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}  # nobody listens there
    researcher_email, annotator_email = f"rd-{unique}@example.org", f"ad-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    slug = f"noredis-{unique}"
    log = run_dir / f"noredis-{unique}.log"
    with (
        api_server(env, log, ["--no-embedded-worker"]) as base,
        httpx.Client(base_url=base, timeout=60) as researcher,
        httpx.Client(base_url=base, timeout=60) as annotator,
    ):
        login(researcher, researcher_email)
        login(annotator, annotator_email)
        create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
        for _ in range(2):
            task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
            submitted = annotator.post(
                f"/api/annotate/{slug}/submit",
                json={
                    "assignment_id": task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": {"preference": {"choice": "A"}},
                },
            )
            assert submitted.status_code == 200
        job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"})
        assert job.status_code == 202 and job.json()["status"] == "queued"
        assert annotator.get(f"/api/annotate/{slug}/judgments").json()[1]["answers"]
    assert "broker unreachable" in log.read_text()
