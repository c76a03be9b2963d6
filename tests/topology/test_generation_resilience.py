"""Generation survives a worker killed with SIGKILL and a Redis restart, with no duplicates.

These start their own Redis (with an append-only file, as docker-compose.yml runs it) so
stopping it does not disturb anything else on the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from support.processes import free_port, running, wait_for
from support.services import require_or_skip

pytestmark = pytest.mark.redis


@contextmanager
def own_redis(folder: Path, port: int) -> Iterator[subprocess.Popen]:
    binary = shutil.which("redis-server")
    if binary is None:
        require_or_skip("redis", "redis-server is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), timeout=20)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _pings(client) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(client.ping())
    except Exception:
        return False


def _job(db, unique: str, fake, n_items: int, limit: int, env: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.generation import registry
    from prefhub.generation.schemas import ModelEndpointCreate
    from prefhub.items.service import import_items
    from prefhub.models import Role

    slug = f"resil-{unique}"
    with db() as session:
        owner = create_user(
            session,
            email=f"o-{unique}@example.org",
            password="pw-long-enough",
            role=Role.researcher,
        )
        campaign = create_campaign(
            session,
            CampaignSpec.model_validate(
                {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
            ),
            owner,
        )
        import_items(
            session, campaign, [f'{{"id": "p{i}", "prompt": "P{i}"}}' for i in range(n_items)]
        )
        registry.add_model(
            session,
            ModelEndpointCreate(
                name=f"m-{unique}",
                base_url=fake.base_url,
                model="fake-model",
                max_concurrency=limit,
                timeout_s=10,
            ),
            owner,
        )
    # Started by the CLI in its own process, which sends the dispatch task to this Redis.
    out = subprocess.run(
        [sys.executable, "-m", "prefhub.cli", "generate", slug, "--model", f"m-{unique}"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    started = re.search(r"generation job (\d+)", out)
    assert started, out
    return int(started.group(1))


def _finished(db, job_id: int):  # type: ignore[no-untyped-def]
    from prefhub.generation import service

    with db() as session:
        job = service.get_job(session, job_id)
        return job.status.value if job.finished else None


def _audit(db, job_id: int, expected: int) -> None:
    from prefhub.models import Candidate, GenerationRequest, GenerationStatus

    with db() as session:
        stored = session.scalar(
            select(func.count(Candidate.id))
            .join(GenerationRequest, GenerationRequest.id == Candidate.generation_request_id)
            .where(GenerationRequest.job_id == job_id)
        )
        statuses = set(
            session.scalars(
                select(GenerationRequest.status).where(GenerationRequest.job_id == job_id)
            )
        )
    assert stored == expected
    assert statuses == {GenerationStatus.succeeded}


def _env(port: int, unique: str) -> dict[str, str]:
    return {
        "PREFHUB_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "PREFHUB_CELERY_QUEUE_PREFIX": f"resil-{unique}",
        # A killed worker's unacknowledged tasks come back after this many seconds.
        "PREFHUB_REDIS_VISIBILITY_TIMEOUT": "5",
    }


def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_exactly(
    migrated, db, unique, run_dir
):
    from support.fake_openai import FakeOpenAI

    port = free_port()
    env = _env(port, unique)
    with own_redis(run_dir / f"redis-{unique}", port), FakeOpenAI(latency=0.3) as fake:
        job_id = _job(db, unique, fake, n_items=30, limit=4, env=env)
        with running(
            ["worker", "--concurrency", "4"], env, run_dir / f"victim-{unique}.log"
        ) as victim:
            wait_for(lambda: fake.count(path="/chat/completions") >= 6, timeout=60)
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
        with running(["worker", "--concurrency", "4"], env, run_dir / f"heir-{unique}.log"):
            assert wait_for(lambda: _finished(db, job_id), timeout=120) == "succeeded"
    _audit(db, job_id, expected=30)


def test_redis_restarted_mid_job_loses_nothing(migrated, db, unique, run_dir):
    from support.fake_openai import FakeOpenAI

    port = free_port()
    env = _env(port, unique)
    with FakeOpenAI(latency=0.2) as fake:
        with own_redis(run_dir / f"redis2-{unique}", port):
            job_id = _job(db, unique, fake, n_items=30, limit=3, env=env)
            with running(
                ["worker", "--concurrency", "3"], env, run_dir / f"w-{unique}.log"
            ) as worker:
                wait_for(lambda: fake.count(path="/chat/completions") >= 5, timeout=60)
                # Redis goes away mid-job (the context exits, terminating it) ...
        time.sleep(2)
        # ... and comes back with its append-only file.
        with (
            own_redis(run_dir / f"redis2-{unique}", port),
            running(["worker", "--concurrency", "3"], env, run_dir / f"w2-{unique}.log"),
        ):
            assert wait_for(lambda: _finished(db, job_id), timeout=150) == "succeeded"
    assert worker.returncode is not None
    _audit(db, job_id, expected=30)


def test_a_job_created_while_redis_is_down_runs_exactly_once_redis_is_back(
    migrated, db, unique, run_dir
):
    """The API answers while its Redis is down and the dispatch is lost; once Redis and a
    worker are up, the worker's sweep sends the job again and it completes, once each."""
    import httpx

    from support.api import create_campaign_with_items, login, make_user
    from support.fake_openai import FakeOpenAI
    from support.processes import api_server

    port = free_port()
    env = {
        **_env(port, unique),
        # Nothing is lost here but the dispatch: no stale re-dispatch of running requests.
        "PREFHUB_REDIS_VISIBILITY_TIMEOUT": "120",
        "PREFHUB_GENERATION_SWEEP_SECONDS": "1",
        "PREFHUB_GENERATION_DISPATCH_GRACE_SECONDS": "2",
    }
    email = f"down-{unique}@example.org"
    make_user(db, email, "researcher")
    slug = f"down-{unique}"
    log = run_dir / f"down-api-{unique}.log"
    with FakeOpenAI(latency=0.05) as fake:
        with (
            api_server(env, log, ["--no-embedded-worker"]) as base,
            httpx.Client(base_url=base, timeout=60) as researcher,
        ):
            login(researcher, email)
            create_campaign_with_items(researcher, slug, n_items=6, redundancy=1)
            model = {"name": f"m-{unique}", "base_url": fake.base_url, "model": "fake-model"}
            assert researcher.post("/api/models", json=model).status_code == 201
            created = researcher.post(
                f"/api/campaigns/{slug}/generation-jobs",
                json={"models": [f"m-{unique}"], "samples": 2},
            )
            assert created.status_code == 202 and created.json()["status"] == "queued"
            job_id = created.json()["id"]
        assert "broker unreachable" in log.read_text()
        assert _finished(db, job_id) is None
        with (
            own_redis(run_dir / f"redis-down-{unique}", port),
            running(["worker", "--concurrency", "4"], env, run_dir / f"down-w-{unique}.log"),
        ):
            assert wait_for(lambda: _finished(db, job_id), timeout=90) == "succeeded"
        assert fake.count(path="/chat/completions") == 12  # each request called once
    _audit(db, job_id, expected=12)
