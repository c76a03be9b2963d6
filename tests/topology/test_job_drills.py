"""Job drills (issue 14): every kind of job (export, import, media fetch, generation) finishes,
with its results stored exactly once, after

- the broker was down when it was created (the API answered; its send was lost);
- its worker was killed with SIGKILL mid-job (another worker takes it over);
- on PostgreSQL, its worker's database connections were terminated in the job's first
  transaction, and in a middle one (the worker's own retries carry it through).

One set of processes serves the module: a Redis of its own (started once the broker-down jobs
exist), a fake model server, a media server that drips bytes while told to, API processes and
short-lived workers with short heartbeat, stale and sweep periods. Each drill runs the four
kinds together where they cannot disturb each other; each kind's test checks its results.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from support.api import items, jsonl, login, make_user, pairwise_spec
from support.drip_server import DripServer
from support.fake_openai import FakeOpenAI, tiny_png
from support.processes import api_server, free_port, running, wait_for
from support.redis_server import redis_binary, start_redis

pytestmark = pytest.mark.redis

KINDS = ["export", "import", "media_fetch", "generation"]
TEST_DB = os.environ.get("PREFHUB_TEST_DB", "sqlite")
WORKER_APP = "prefhub-drill-worker"  # the worker's connections, as PostgreSQL names them
N_EXPORT_ITEMS = 8  # x 2 annotators = the export's judgments and rows
N_IMPORT_ITEMS = 3
N_PROMPTS, SAMPLES = 4, 2
FINISH_TIMEOUT_S = 60
KILLED_VISIBILITY_S = 5
SQL_WORDS = re.compile(r"\b(select|insert|update|delete|where|psycopg|sqlite3?|sqlalchemy)\b", re.I)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the processes


@dataclass
class Lab:
    run_dir: Path
    unique: str
    port: int
    fake: FakeOpenAI
    drip: DripServer
    stack: ExitStack
    email: str = ""
    export_slug: str = ""
    media_slug: str = ""
    model: str = ""
    redis: subprocess.Popen | None = None
    ready: bool = False
    _client: httpx.Client | None = None

    def env(self, app: str, visibility_s: int = 120) -> dict[str, str]:
        return {
            "PREFHUB_REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
            "PREFHUB_CELERY_QUEUE_PREFIX": f"drill-{self.unique}",
            # A killed worker's unacknowledged tasks come back after this many seconds, and a
            # generation job (it has no heartbeat of its own) is judged lost after as long:
            # short where workers are killed, long elsewhere, so that only the code under
            # test, not a re-send, can finish a job.
            "PREFHUB_REDIS_VISIBILITY_TIMEOUT": str(visibility_s),
            "PREFHUB_JOB_HEARTBEAT_SECONDS": "0.5",
            "PREFHUB_JOB_STALE_SECONDS": "3",
            "PREFHUB_JOB_SWEEP_SECONDS": "1",
            "PREFHUB_JOB_DISPATCH_GRACE_SECONDS": "2",
            "PREFHUB_JOB_MAX_ATTEMPTS": "5",
            "PGAPPNAME": app,  # libpq's application_name: which connections are the worker's
        }

    def start_redis(self) -> None:
        if self.redis is None:
            self.redis = start_redis(self.run_dir / f"redis-{self.unique}", self.port)
            self.stack.callback(self._stop_redis)

    def _stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=20)

    def log(self, name: str) -> Path:
        return self.run_dir / f"drill-{self.unique}-{name}.log"

    def worker(self, name: str, visibility_s: int = 120) -> subprocess.Popen:
        """A worker that lives until it is killed or the module ends."""
        env = self.env(WORKER_APP, visibility_s)
        return self.stack.enter_context(
            running(["worker", "--concurrency", "8"], env, self.log(name))
        )

    def client(self) -> httpx.Client:
        """A signed-in client of the API process the drills after the outage share."""
        if self._client is None:
            self.start_redis()
            self._client = self.stack.enter_context(self.api("with-redis"))
        return self._client

    @contextmanager
    def api(self, name: str) -> Iterator[httpx.Client]:
        log = self.log(f"api-{name}")
        with (
            api_server(self.env("prefhub-drill-api"), log, ["--no-embedded-worker"]) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            login(client, self.email)
            yield client


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)


@pytest.fixture(scope="module")
def lab(migrated: str, run_dir: Path) -> Iterator[Lab]:
    redis_binary()  # skips (or fails, when required) without redis-server
    unique = uuid.uuid4().hex[:8]
    with ExitStack() as stack:
        fake = stack.enter_context(FakeOpenAI(latency=0.05))
        drip = stack.enter_context(DripServer())
        made = Lab(run_dir, unique, free_port(), fake, drip, stack)
        made.email = f"drill-{unique}@example.org"
        make_user(_uow, made.email, "researcher")
        yield made


def _uow(**kwargs: Any) -> Any:
    from prefhub.kit.db import unit_of_work

    return unit_of_work(**kwargs)


def _prepare(lab: Lab, client: httpx.Client) -> None:
    """What the drills share: a judged campaign to export, one to fetch media into, a model."""
    if lab.ready:
        return
    lab.export_slug, lab.media_slug = f"exp-{lab.unique}", f"med-{lab.unique}"
    for slug in (lab.export_slug, lab.media_slug):
        assert client.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    imported = client.post(
        f"/api/campaigns/{lab.export_slug}/items/import",
        files={"file": ("i.jsonl", jsonl(items(N_EXPORT_ITEMS)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    for n in range(2):
        email = f"drill-a{n}-{lab.unique}@example.org"
        make_user(_uow, email, "annotator")
        with httpx.Client(base_url=str(client.base_url), timeout=30) as annotator:
            login(annotator, email)
            url = f"/api/annotate/{lab.export_slug}"
            while (task := annotator.get(f"{url}/next").json()["task"]) is not None:
                answer = {
                    "assignment_id": task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": {"preference": {"choice": "A"}},
                }
                assert annotator.post(f"{url}/submit", json=answer).status_code == 200
    lab.model = f"drill-m-{lab.unique}"
    # Slots enough for every request at once: a killed worker's slots stay taken until their
    # lease (the model's timeout) ends, and the drill need not wait for that.
    model = {
        "name": lab.model,
        "base_url": lab.fake.base_url,
        "model": "fake-model",
        "max_concurrency": 2 * N_PROMPTS * SAMPLES,
        "timeout_s": 10,
    }
    assert client.post("/api/models", json=model).status_code == 201
    lab.ready = True


# ---------------------------------------------------------------- creating jobs over REST


@dataclass
class Created:
    kind: str
    job_id: int
    round: str
    info: dict[str, Any] = field(default_factory=dict)


def _accepted(response: httpx.Response) -> int:
    assert response.status_code in (201, 202), response.text
    assert response.json()["status"] == "queued", response.text
    return int(response.json()["id"])


def create_export(lab: Lab, client: httpx.Client, round: str) -> Created:
    job_id = _accepted(
        client.post(f"/api/campaigns/{lab.export_slug}/exports", json={"format": "dpo"})
    )
    return Created("export", job_id, round)


def create_media_fetch(lab: Lab, client: httpx.Client, round: str) -> Created:
    png = tiny_png(f"media-{round}-{lab.unique}", size=24)
    path = f"/{round}/media.png"
    url = lab.drip.serve(path, png)
    job_id = _accepted(
        client.post(f"/api/campaigns/{lab.media_slug}/media/fetch", json={"url": url})
    )
    return Created("media_fetch", job_id, round, {"sha256": _sha256(png), "path": path})


def create_import(lab: Lab, client: httpx.Client, round: str) -> Created:
    slug = f"imp-{round}-{lab.unique}"
    assert client.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    pictures: dict[str, bytes] = {}
    rows = []
    for i in range(N_IMPORT_ITEMS):
        content = []
        for side in "ab":
            pictures[f"/{round}/i{i}{side}.png"] = tiny_png(f"{round}-{i}{side}", size=12)
            url = lab.drip.serve(f"/{round}/i{i}{side}.png", pictures[f"/{round}/i{i}{side}.png"])
            content.append({"content": [{"type": "image", "url": url}]})
        rows.append(
            {"id": f"x{i}", "prompt": f"Which picture is brighter ({i})?", "candidates": content}
        )
    job_id = _accepted(
        client.post(
            f"/api/campaigns/{slug}/items/import-jobs",
            files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
        )
    )
    shas = {
        f"x{i}": [_sha256(pictures[f"/{round}/i{i}{s}.png"]) for s in "ab"]
        for i in range(N_IMPORT_ITEMS)
    }
    return Created(
        "import", job_id, round, {"slug": slug, "shas": shas, "first": f"/{round}/i0a.png"}
    )


def create_generation(lab: Lab, client: httpx.Client, round: str) -> Created:
    slug = f"gen-{round}-{lab.unique}"
    marker = f"drill {round} {lab.unique}"
    assert client.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    prompts = [{"id": f"p{i}", "prompt": f"{marker}: prompt {i}"} for i in range(N_PROMPTS)]
    imported = client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(prompts), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    job_id = _accepted(
        client.post(
            f"/api/campaigns/{slug}/generation-jobs",
            json={"models": [lab.model], "samples": SAMPLES},
        )
    )
    return Created("generation", job_id, round, {"slug": slug, "marker": marker})


CREATE: dict[str, Callable[[Lab, httpx.Client, str], Created]] = {
    "export": create_export,
    "import": create_import,
    "media_fetch": create_media_fetch,
    "generation": create_generation,
}


def model_calls(lab: Lab, created: Created) -> int:
    marker = created.info["marker"]
    return sum(1 for r in lab.fake.requests if marker in json.dumps(r.body))


# ---------------------------------------------------------------- waiting and checking


def job_state(job_id: int) -> tuple[str, str | None, str | None]:
    from prefhub.models import Job

    with _uow(read_only=True) as session:
        job = session.get_one(Job, job_id)
        return job.status.value, job.error_code, job.error_message


def wait_finished(created: dict[str, Created], timeout: float = FINISH_TIMEOUT_S) -> None:
    """Until every job is finished, or the time is up (each kind's test then says which)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(job_state(c.job_id)[0] not in ("queued", "running") for c in created.values()):
            return
        time.sleep(0.25)


def assert_succeeded(created: Created) -> None:
    status, code, message = job_state(created.job_id)
    # Whatever happened, what a user reads is not the database's error.
    assert not SQL_WORDS.search(message or ""), message
    assert status == "succeeded", (created.kind, status, code, message)


def check_export(lab: Lab, created: Created) -> None:
    from prefhub.models import ExportJob

    with _uow(read_only=True) as session:
        job = session.get_one(ExportJob, created.job_id)
        folder, row_count, files = Path(job.folder or ""), job.row_count, job.files
    # One folder, nothing half-written beside it (no ".partial").
    assert sorted(p.name for p in folder.parent.glob(f"{folder.name}*")) == [folder.name]
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = sorted(f["name"] for f in manifest["files"] + [{"name": "manifest.json"}])
    assert listed == sorted(f["name"] for f in files)
    for entry in manifest["files"]:
        assert _sha256((folder / entry["name"]).read_bytes()) == entry["sha256"], entry
    rows = (folder / "dpo.jsonl").read_text().splitlines()
    assert len(rows) == row_count == manifest["counts"]["rows"] == 2 * N_EXPORT_ITEMS
    assert len({json.loads(r)["id"] for r in rows}) == len(rows)


def check_media_fetch(lab: Lab, created: Created) -> None:
    from prefhub.models import CampaignMedia, MediaAsset, MediaFetchJob

    with _uow(read_only=True) as session:
        job = session.get_one(MediaFetchJob, created.job_id)
        assets = session.scalars(
            select(MediaAsset.id).where(MediaAsset.sha256 == created.info["sha256"])
        ).all()
        links = session.scalar(
            select(func.count())
            .select_from(CampaignMedia)
            .where(
                CampaignMedia.campaign_id == job.campaign_id, CampaignMedia.asset_id == job.asset_id
            )
        )
    assert assets == [job.asset_id]
    assert links == 1


def check_import(lab: Lab, created: Created) -> None:
    from prefhub.models import Campaign, Candidate, ImportJob, Item

    with _uow(read_only=True) as session:
        job = session.get_one(ImportJob, created.job_id)
        stored = session.execute(
            select(Item.external_id, Candidate.content)
            .join(Candidate, Candidate.item_id == Item.id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == created.info["slug"])
            .order_by(Item.external_id, Candidate.position)
        ).all()
    assert job.imported == N_IMPORT_ITEMS
    by_item: dict[str, list[str]] = {}
    for external_id, content in stored:
        by_item.setdefault(external_id, []).append(content[0]["sha256"])
    assert by_item == created.info["shas"]  # each item once, its two pictures once each


def check_generation(lab: Lab, created: Created) -> None:
    from prefhub.models import Candidate, GenerationRequest, GenerationStatus

    with _uow(read_only=True) as session:
        requests = dict(
            session.execute(
                select(GenerationRequest.id, GenerationRequest.status).where(
                    GenerationRequest.job_id == created.job_id
                )
            ).all()
        )
        per_request = dict(
            session.execute(
                select(Candidate.generation_request_id, func.count())
                .where(Candidate.generation_request_id.in_(requests))
                .group_by(Candidate.generation_request_id)
            ).all()
        )
    assert len(requests) == N_PROMPTS * SAMPLES
    assert set(requests.values()) == {GenerationStatus.succeeded}
    assert per_request == dict.fromkeys(requests, 1)  # one candidate per request


CHECK: dict[str, Callable[[Lab, Created], None]] = {
    "export": check_export,
    "import": check_import,
    "media_fetch": check_media_fetch,
    "generation": check_generation,
}


def check(lab: Lab, created: Created) -> None:
    assert_succeeded(created)
    CHECK[created.kind](lab, created)


# ---------------------------------------------------------------- drill 1: broker down


@pytest.fixture(scope="module")
def broker_down(lab: Lab) -> dict[str, Created]:
    """Every kind created over REST while Redis is not running; then Redis and a worker."""
    with lab.api("no-redis") as client:
        _prepare(lab, client)
        created = {kind: CREATE[kind](lab, client, "down") for kind in KINDS}
    # The API answered, and its sends were lost: the broker was down at commit.
    told = lab.log("api-no-redis").read_text()
    lost = [c.kind for c in created.values() if f"{c.kind} job {c.job_id} stays queued" in told]
    assert lost == KINDS, told[-3000:]
    lab.start_redis()
    worker = lab.worker("after-outage")
    wait_finished(created)
    stop(worker)
    return created


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_created_while_the_broker_is_down_runs_once_when_it_is_back(
    kind: str, lab: Lab, broker_down: dict[str, Created]
) -> None:
    created = broker_down[kind]
    check(lab, created)
    if kind == "generation":
        assert model_calls(lab, created) == N_PROMPTS * SAMPLES  # each request called once
    if kind == "media_fetch":
        assert lab.drip.count(created.info["path"]) == 1


# ---------------------------------------------------------------- drill 2: SIGKILL


@contextmanager
def export_gate(job_id: int, log: Path) -> Iterator[Callable[[], bool]]:
    """Hold an export mid-way. On PostgreSQL its row in ``export_jobs`` is locked: the run
    writes its folder, then waits to record it. On SQLite the write lock is held: the run
    waits in its first write (the claim). Yields a check that the worker waits there."""
    if TEST_DB == "postgresql":
        with _pg() as conn:
            conn.execute("SELECT id FROM export_jobs WHERE id = %s FOR UPDATE", [job_id])
            pid = conn.info.backend_pid
            yield lambda: _blocked_by(pid) >= 1
            conn.rollback()
    else:
        from prefhub.kit.db import get_engine

        with get_engine().connect() as conn:
            conn.begin()  # the engine begins every writing transaction IMMEDIATE
            received: list[float] = []

            def waiting() -> bool:
                if not received and log.is_file() and "run_export" in log.read_text():
                    received.append(time.monotonic())
                return bool(received) and time.monotonic() - received[0] > 1

            yield waiting
            conn.rollback()


@pytest.fixture(scope="module")
def killed(lab: Lab, broker_down: dict[str, Created]) -> dict[str, Created]:
    """Each kind in turn: its worker killed with SIGKILL mid-job, then another one started.
    Every heir is the next kind's victim."""
    created: dict[str, Created] = {}
    client = lab.client()
    # The export first, with no worker running: its gate is set before any worker runs it.
    created["export"] = create_export(lab, client, "kill")
    with export_gate(created["export"].job_id, lab.log("kill-export")) as waiting:
        victim = lab.worker("kill-export", KILLED_VISIBILITY_S)
        wait_for(waiting, timeout=30)
        kill(victim)
    heir = lab.worker("kill-export-heir", KILLED_VISIBILITY_S)
    wait_finished({"export": created["export"]})

    # Then each kind made slow (the media server drips bytes, the model answers late), its
    # worker killed once it is mid-way, and everything fast again for its heir.
    def drip(slow: bool) -> None:
        (lab.drip.slow.set if slow else lab.drip.slow.clear)()

    def model(slow: bool) -> None:
        lab.fake.latency = 2.0 if slow else 0.05

    mid_way: dict[str, tuple[Callable[[bool], None], Callable[[Created], bool]]] = {
        "media_fetch": (drip, lambda c: lab.drip.count(c.info["path"]) >= 1),
        "import": (drip, lambda c: lab.drip.count(c.info["first"]) >= 1),
        "generation": (model, lambda c: model_calls(lab, c) >= 2),
    }
    for kind, (slow, started) in mid_way.items():
        slow(True)
        job = created[kind] = CREATE[kind](lab, client, "kill")
        wait_for(lambda job=job, started=started: started(job), timeout=30)
        kill(heir)
        slow(False)
        heir = lab.worker(f"kill-{kind}-heir", KILLED_VISIBILITY_S)
        wait_finished({kind: job})
    stop(heir)
    return created


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_once(
    kind: str, lab: Lab, killed: dict[str, Created]
) -> None:
    check(lab, killed[kind])


# ---------------------------------------------------------------- drill 3: database dropped


@contextmanager
def _pg() -> Iterator[Any]:
    import psycopg

    url = os.environ["PREFHUB_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        yield conn


def _blocked_by(pid: int) -> int:
    """How many of the worker's connections wait for a lock ``pid`` holds."""
    with _pg() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND %s = ANY(pg_blocking_pids(pid))",
            [WORKER_APP, pid],
        ).fetchone()[0]


def _terminate_worker_connections() -> int:
    with _pg() as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE application_name = %s",
                [WORKER_APP],
            ).fetchall()
        )


def _database_drill(
    lab: Lab, round: str, lock: Callable[[Any, dict[str, Created]], None]
) -> dict[str, Created]:
    """Create every kind with no worker running, lock what their chosen transaction needs,
    start a worker, terminate its connections once it waits in those transactions, unlock."""
    if TEST_DB != "postgresql":
        print("\nSKIP: pg_terminate_backend needs PostgreSQL (PREFHUB_TEST_DB=postgresql)")
        pytest.skip("terminating a worker's connections needs PostgreSQL")
    created = {kind: CREATE[kind](lab, lab.client(), round) for kind in KINDS}
    with _pg() as conn:
        lock(conn, created)
        pid = conn.info.backend_pid
        worker = lab.worker(round)
        wait_for(lambda: _blocked_by(pid) >= len(KINDS), timeout=30)
        assert _terminate_worker_connections() >= len(KINDS)
        conn.rollback()
    wait_finished(created)
    stop(worker)
    return created


def _lock_claims(conn: Any, created: dict[str, Created]) -> None:
    # Every run starts by claiming its job (generation: marking it running) in ``jobs``.
    ids = [c.job_id for c in created.values()]
    conn.execute("SELECT id FROM jobs WHERE id = ANY(%s) FOR UPDATE", [ids])


def _lock_middles(conn: Any, created: dict[str, Created]) -> None:
    # Each kind's rows its later transaction writes: an export's and a fetch's result, the
    # import's counts (after its items are inserted), a generation's items (as it stores).
    conn.execute("SELECT 1 FROM export_jobs WHERE id = %s FOR UPDATE", [created["export"].job_id])
    conn.execute("SELECT 1 FROM import_jobs WHERE id = %s FOR UPDATE", [created["import"].job_id])
    conn.execute(
        "SELECT 1 FROM media_fetch_jobs WHERE id = %s FOR UPDATE", [created["media_fetch"].job_id]
    )
    conn.execute(
        "SELECT 1 FROM items WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = %s)"
        " FOR UPDATE",
        [created["generation"].info["slug"]],
    )


@pytest.fixture(scope="module")
def dropped_first(lab: Lab, killed: dict[str, Created]) -> dict[str, Created]:
    return _database_drill(lab, "db-first", _lock_claims)


@pytest.fixture(scope="module")
def dropped_middle(lab: Lab, dropped_first: dict[str, Created]) -> dict[str, Created]:
    return _database_drill(lab, "db-middle", _lock_middles)


@pytest.mark.parametrize("kind", KINDS)
def test_the_database_dropped_in_a_jobs_first_transaction_it_finishes_once(
    kind: str, lab: Lab, dropped_first: dict[str, Created]
) -> None:
    check(lab, dropped_first[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_the_database_dropped_in_a_jobs_middle_transaction_it_finishes_once(
    kind: str, lab: Lab, dropped_middle: dict[str, Created]
) -> None:
    check(lab, dropped_middle[kind])
