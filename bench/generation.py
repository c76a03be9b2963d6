"""Generation benchmark: one job of N requests through real worker processes to a slow model.

A fake OpenAI-compatible server (``tests/support/fake_openai.py``, its own process) answers
every chat completion after ``--latency`` seconds. The benchmark creates a fresh PostgreSQL
database, migrates it with ``prefhub db upgrade``, seeds an admin, a pairwise campaign with N
prompt-only items and a model endpoint registered with ``max_concurrency=C`` (all through the
service layer), starts ``--workers`` ``prefhub worker`` processes on Redis, then creates one
generation job (one sample per item) and waits until every request is finished.

With C requests in flight at all times the job cannot finish sooner than
``bound_seconds = N / C x latency``; ``efficiency = bound_seconds / seconds`` says how close
the workers come to it. ``seconds`` runs from the job's commit (which enqueues its dispatch
task) to the last request's ``finished_at``. The fake server's peak concurrency must not
exceed C (``limit_held``). Afterwards the database is audited: one candidate per request, no
duplicates, every request succeeded.

One JSON line goes to stdout; progress goes to stderr. Run it as ``make bench-generation``
or ``.venv/bin/python bench/generation.py --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx

from _common import (
    REPO_ROOT,
    all_procs,
    cpu_cores,
    create_postgres_database,
    drop_postgres_database,
    machine_busy,
    migrate,
    postgres_version,
    prefhub_command,
    prefhub_env,
    process_tree,
    stop_process,
)

FAKE_SERVER = REPO_ROOT / "tests" / "support" / "fake_openai.py"
# The tests use Redis database 9; the benchmark keeps to its own (and a unique key prefix).
REDIS_URL = os.environ.get("PREFHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SLUG = "bench-generation"
MODEL_NAME = "bench-fake"
FAKE_MODEL = "fake-model"


def log(message: str) -> None:
    print(f"[bench-generation] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    requests: int
    concurrency: int
    latency: float
    workers: int
    worker_concurrency: int
    pool: str
    redis_url: str
    timeout: float
    keep: bool
    profile_dir: Path | None
    profile_idle: bool


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="items = requests (N)")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="the endpoint's max_concurrency (C)"
    )
    parser.add_argument("--latency", type=float, default=0.2, help="fake model seconds/request")
    parser.add_argument("--workers", type=int, default=2, help="prefhub worker processes")
    parser.add_argument(
        "--worker-concurrency",
        type=int,
        default=None,
        help="--concurrency of each worker (default: C / workers, rounded up, so that the "
        "workers together run exactly the C requests the endpoint allows)",
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "threads"),
        default="prefork",
        help="prefork: `prefhub worker` as an operator runs it (Celery's default pool). "
        "threads: EXPERIMENT - the same Celery worker with --pool=threads, started through "
        "prefhub.worker.celery_app because `prefhub worker` has no --pool option",
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help="broker (a database of its own)")
    parser.add_argument(
        "--timeout", type=float, default=None, help="give up after this (default: 10 x bound)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and worker logs")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the workers (all their processes) with py-spy during the job "
        "(slows them down, so not for recorded results)",
    )
    parser.add_argument(
        "--profile-idle",
        action="store_true",
        help="with --profile: sample waiting threads too (wall time, not just CPU)",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.workers) < 1 or args.latency < 0:
        parser.error("--requests, --concurrency and --workers must be positive")
    worker_concurrency = args.worker_concurrency or math.ceil(args.concurrency / args.workers)
    bound = args.requests / args.concurrency * args.latency
    return Config(
        requests=args.requests,
        concurrency=args.concurrency,
        latency=args.latency,
        workers=args.workers,
        worker_concurrency=worker_concurrency,
        pool=args.pool,
        redis_url=args.redis_url,
        timeout=args.timeout or max(60.0, 10 * bound),
        keep=args.keep,
        profile_dir=args.profile,
        profile_idle=args.profile_idle,
    )


# ---------------------------------------------------------------- services


def redis_ping(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).ping()


def delete_redis_keys(url: str, prefix: str) -> int:
    """Queues, kombu bindings and slot leases of this run (all named after its prefix)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    keys = [
        key
        for pattern in (
            f"{prefix}*",
            f"_kombu.binding.{prefix}*",
            f"_kombu.binding_permanent.{prefix}*",
        )
        for key in client.scan_iter(match=pattern, count=1000)
    ]
    if keys:
        client.delete(*keys)
    return len(keys)


@contextlib.contextmanager
def fake_server(config: Config, workdir: Path) -> Iterator[tuple[str, int]]:
    """The fake model in its own process (no GIL shared with the workers); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, str(FAKE_SERVER), "--port", "0", "--latency", str(config.latency)],
        stdout=subprocess.PIPE,
        stderr=(workdir / "fake.log").open("ab"),
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().decode().strip()
        if not base_url.startswith("http"):
            raise RuntimeError(f"fake server did not start: {(workdir / 'fake.log').read_text()}")
        yield base_url, process.pid
    finally:
        stop_process(process)


def worker_argv(config: Config) -> list[str]:
    concurrency = str(config.worker_concurrency)
    if config.pool == "prefork":
        return [*prefhub_command(), "worker", "--concurrency", concurrency]
    # `prefhub worker` builds this argv too; only --pool=threads is added.
    code = (
        "from prefhub.settings import get_settings\n"
        "from prefhub.worker import ALL_QUEUES, celery_app, queue_name\n"
        "s = get_settings()\n"
        "names = ','.join(queue_name(s, q) for q in (*ALL_QUEUES, 'default'))\n"
        "celery_app.worker_main(['worker', '-Q', names, '--loglevel=INFO',\n"
        f"    '--concurrency={concurrency}', '--pool=threads'])\n"
    )
    return [sys.executable, "-c", code]


@contextlib.contextmanager
def workers(config: Config, env: dict[str, str], workdir: Path) -> Iterator[list[int]]:
    """Start the worker processes and wait until each logs "ready."; yields their pids."""
    processes: list[subprocess.Popen[bytes]] = []
    logs = [workdir / f"worker-{i}.log" for i in range(config.workers)]
    try:
        for path in logs:
            with path.open("ab") as out:
                processes.append(
                    subprocess.Popen(
                        worker_argv(config),
                        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                        cwd=workdir,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 90
        waiting = set(range(config.workers))
        while waiting:
            for i in list(waiting):
                if processes[i].poll() is not None:
                    raise RuntimeError(f"worker {i} exited: {logs[i].read_text()[-3000:]}")
                if re.search(r"@\S+ ready\.", logs[i].read_text(errors="replace")):
                    waiting.discard(i)
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers {sorted(waiting)} not ready within 90 s")
            time.sleep(0.1)
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            stop_process(process, timeout=30)


# ---------------------------------------------------------------- seeding and the job
#
# The benchmark process itself talks to prefhub (seeding, creating the job, polling progress),
# so prefhub is imported only after ``os.environ`` holds this run's settings.


def seed(config: Config, fake_base_url: str) -> None:
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.generation.registry import add_model
    from prefhub.generation.schemas import ModelEndpointCreate
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(
            session, email="bench-admin@bench.example", password=None, role=Role.admin
        )
        spec = CampaignSpec(
            name="Generation benchmark",
            slug=SLUG,
            guidelines="Pick the **better** answer.",
            questions=[PairwiseQuestion()],
        )
        campaign = create_campaign(session, spec, owner)
        lines = (
            json.dumps({"id": f"bench-{i}", "prompt": f"Question {i}: explain topic {i} briefly."})
            for i in range(config.requests)
        )
        import_items(session, campaign, lines)
        add_model(
            session,
            ModelEndpointCreate(
                name=MODEL_NAME,
                base_url=fake_base_url,  # http://127.0.0.1:PORT/v1
                model=FAKE_MODEL,
                max_concurrency=config.concurrency,
                timeout_s=30,
            ),
            None,
        )


def start_job() -> tuple[int, float]:
    """Create the job; returns its id and the wall-clock time its transaction committed
    (the unit of work then sends the dispatch task)."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.generation.schemas import GenerationJobCreate
    from prefhub.generation.service import create_job
    from prefhub.kit.db import unit_of_work

    with unit_of_work() as session:
        campaign = get_by_slug(session, SLUG)
        job = create_job(
            session, campaign, GenerationJobCreate(models=[MODEL_NAME], samples=1), None
        )
        session.flush()
        job_id = job.id
        # Committed when the block exits; the clock starts just before, to be conservative.
        committed_at = time.time()
    return job_id, committed_at


def job_progress(job_id: int) -> tuple[int, int, int, int]:
    """(total, succeeded, failed, cancelled) through the service's own progress()."""
    from prefhub.generation.service import get_job, progress
    from prefhub.kit.db import unit_of_work

    with unit_of_work(read_only=True) as session:
        p = progress(session, get_job(session, job_id))
    return p.total, p.done, p.failed, p.cancelled


@dataclass
class FakeSampler:
    """Polls the fake server's ``/_fake/stats``: when the first request arrived, and how many
    were in flight over time (the workers' effective concurrency)."""

    base: str
    interval: float = 0.02
    first_request_at: float | None = None
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5) as client:
            while not self._stop.is_set():
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    stats = client.get("/_fake/stats").json()
                    now = time.time()
                    if self.first_request_at is None and stats["count"] > 0:
                        self.first_request_at = now
                    self.samples.append((now, int(stats["in_flight"])))
                self._stop.wait(self.interval)

    def mean_in_flight(self, start: float, end: float) -> float | None:
        values = [n for t, n in self.samples if start <= t <= end]
        return round(statistics.fmean(values), 1) if values else None


# ---------------------------------------------------------------- CPU accounting (/proc)


def cpu_snapshot(worker_pids: list[int], fake_pid: int) -> dict[str, float]:
    procs = all_procs()
    worker_tree = process_tree(worker_pids, procs)
    groups = {"workers": 0.0, "fake_server": 0.0, "bench": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (name, ppid, cpu, reaped) in procs.items():
        if pid in worker_tree:
            groups["workers"] += cpu
        elif pid == fake_pid:
            groups["fake_server"] += cpu
        elif pid == os.getpid():
            groups["bench"] += cpu
        elif name.startswith("postgres"):
            groups["postgres"] += cpu
            if not procs.get(ppid, ("",))[0].startswith("postgres"):
                groups["postgres"] += reaped  # the postmaster: backends that exited
        elif name.startswith("redis"):
            groups["redis"] += cpu
    groups["machine"] = machine_busy()
    return groups


def start_profilers(config: Config, worker_pids: list[int]) -> list[subprocess.Popen[bytes]]:
    if config.profile_dir is None:
        return []
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    config.profile_dir.mkdir(parents=True, exist_ok=True)
    profilers = []
    for i, pid in enumerate(worker_pids):
        kind = "wall" if config.profile_idle else "cpu"
        out = config.profile_dir / f"worker-{i}-{config.pool}-{kind}.txt"
        log(f"profiling worker {i} (pid {pid}) with py-spy into {out}")
        profilers.append(
            subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--subprocesses",
                    "--rate",
                    "100",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    # Waits too: where a request's 200 ms + overhead go, not just its CPU.
                    *(["--idle"] if config.profile_idle else []),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return profilers


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        if profiler.poll() is None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
    for profiler in profilers:
        try:
            profiler.wait(timeout=60)
        except subprocess.TimeoutExpired:
            profiler.kill()


# ---------------------------------------------------------------- audit


@dataclass
class Audit:
    requests_in_db: int
    succeeded: int
    failed: int
    other_status: int
    retried: int
    candidates: int
    duplicated: int
    missing: int
    job_status: str
    first_finished_at: float | None
    last_finished_at: float | None
    model_latency_ms_p50: float | None
    model_latency_ms_p99: float | None


def audit(database_url: str, job_id: int) -> Audit:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            params = {"j": job_id}
            statuses = dict(
                conn.execute(
                    text(
                        "SELECT status, count(*) FROM generation_requests WHERE job_id = :j"
                        " GROUP BY status"
                    ),
                    params,
                ).all()
            )
            retried = conn.execute(
                text("SELECT count(*) FROM generation_requests WHERE job_id = :j AND attempts > 1"),
                params,
            ).scalar_one()
            first, last = conn.execute(
                text(
                    "SELECT min(finished_at), max(finished_at) FROM generation_requests"
                    " WHERE job_id = :j"
                ),
                params,
            ).one()
            candidates = conn.execute(
                text(
                    "SELECT c.generation_request_id, c.metadata FROM candidates c"
                    " JOIN items i ON i.id = c.item_id"
                    " JOIN campaigns k ON k.id = i.campaign_id WHERE k.slug = :slug"
                ),
                {"slug": SLUG},
            ).all()
            missing = conn.execute(
                text(
                    "SELECT count(*) FROM generation_requests r WHERE r.job_id = :j AND NOT"
                    " EXISTS (SELECT 1 FROM candidates c WHERE c.generation_request_id = r.id)"
                ),
                params,
            ).scalar_one()
            job_status = conn.execute(
                text("SELECT status FROM generation_jobs WHERE id = :j"), params
            ).scalar_one()
    finally:
        engine.dispose()
    pointers = [row.generation_request_id for row in candidates]
    latencies = sorted(
        float(row.metadata["latency_ms"])
        for row in candidates
        if isinstance(row.metadata, dict) and row.metadata.get("latency_ms") is not None
    )
    succeeded = int(statuses.pop("succeeded", 0))
    failed = int(statuses.pop("failed", 0))
    return Audit(
        requests_in_db=succeeded + failed + sum(int(v) for v in statuses.values()),
        succeeded=succeeded,
        failed=failed,
        other_status=sum(int(v) for v in statuses.values()),
        retried=int(retried),
        candidates=len(pointers),
        # Candidates without a request pointer, or sharing one, are duplicates.
        duplicated=len(pointers) - len({p for p in pointers if p is not None}),
        missing=int(missing),
        job_status=str(job_status),
        first_finished_at=_epoch(first),
        last_finished_at=_epoch(last),
        model_latency_ms_p50=_percentile(latencies, 0.50),
        model_latency_ms_p99=_percentile(latencies, 0.99),
    )


def _epoch(value: Any) -> float | None:
    """``finished_at`` is naive UTC (``prefhub.kit.time.utcnow``)."""
    return value.replace(tzinfo=UTC).timestamp() if value is not None else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def dispatch_seconds(workdir: Path) -> float | None:
    """How long the dispatch task ran (sending one task per request), from the worker logs."""
    pattern = re.compile(r"prefhub\.generation\.dispatch_job\[[^\]]+\] succeeded in ([0-9.]+)s")
    for path in sorted(workdir.glob("worker-*.log")):
        if match := pattern.search(path.read_text(errors="replace")):
            return round(float(match.group(1)), 3)
    return None


# ---------------------------------------------------------------- one run


def run(config: Config) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="prefhub-bench-generation-"))
    prefix = f"prefhub-bench-gen-{os.getpid()}-{secrets.token_hex(3)}"
    pg_name: str | None = None
    bound = config.requests / config.concurrency * config.latency
    try:
        try:
            pg_name, url = create_postgres_database("prefhub_bench_gen")
        except Exception as exc:
            return {"requests": config.requests, "skipped": f"PostgreSQL unreachable: {exc}"}
        try:
            redis_ping(config.redis_url)
        except Exception as exc:
            return {"requests": config.requests, "skipped": f"Redis unreachable: {exc}"}
        env = prefhub_env(url, workdir, redis_url=config.redis_url, celery_queue_prefix=prefix)
        # The fake model listens on loopback, allowed as an admin allows a local vLLM.
        env["PREFHUB_EGRESS_ALLOW"] = "127.0.0.1"
        os.environ.update(env)  # before prefhub is first imported (settings are cached)
        log(f"migrating {url}")
        migrate(env, workdir)
        with fake_server(config, workdir) as (fake_url, fake_pid):
            log(f"fake model at {fake_url} ({config.latency * 1000:.0f} ms per request)")
            t0 = time.monotonic()
            seed(config, fake_url)
            seed_s = time.monotonic() - t0
            log(
                f"seeded {config.requests} items and endpoint max_concurrency="
                f"{config.concurrency}; starting {config.workers} worker(s) x "
                f"{config.worker_concurrency} ({config.pool})"
            )
            t0 = time.monotonic()
            with workers(config, env, workdir) as worker_pids:
                workers_ready_s = time.monotonic() - t0
                base = fake_url.removesuffix("/v1")
                httpx.post(f"{base}/_fake/reset", timeout=5).raise_for_status()
                sampler = FakeSampler(base)
                sampler.start()
                profilers = start_profilers(config, worker_pids)
                before = cpu_snapshot(worker_pids, fake_pid)
                job_id, committed_at = start_job()
                log(f"job {job_id} committed; waiting for {config.requests} requests")
                deadline = time.monotonic() + config.timeout
                while True:
                    total, done, failed, cancelled = job_progress(job_id)
                    if done + failed + cancelled >= total:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"timed out after {config.timeout:.0f}s: {done}/{total} done, "
                            f"{failed} failed"
                        )
                    time.sleep(0.1)
                observed_s = time.time() - committed_at
                after = cpu_snapshot(worker_pids, fake_pid)
                stop_profilers(profilers)
                sampler.stop()
                stats = httpx.get(f"{base}/_fake/stats", timeout=5).json()
        checked = audit(url, job_id)
        end = checked.last_finished_at or (committed_at + observed_s)
        seconds = end - committed_at
        first = sampler.first_request_at
        peak = int(stats["max_concurrency_seen_by_model"].get(FAKE_MODEL, 0))
        audit_ok = (
            checked.candidates == config.requests
            and checked.succeeded == config.requests
            and checked.duplicated == 0
            and checked.missing == 0
            and stats["count"] == config.requests
        )
        return {
            "requests": config.requests,
            "concurrency": config.concurrency,
            "seconds": round(seconds, 3),
            "bound_seconds": round(bound, 3),
            "efficiency": round(bound / seconds, 3) if seconds > 0 else None,
            "target_efficiency": 0.9,
            "met": bound / seconds >= 0.9 if seconds > 0 else False,
            "first_request_s": round(first - committed_at, 3) if first else None,
            "dispatch_task_s": dispatch_seconds(workdir),
            "peak_concurrency": peak,
            "limit_held": peak <= config.concurrency,
            "mean_in_flight": sampler.mean_in_flight(first or committed_at, end),
            "model_latency_ms_p50": checked.model_latency_ms_p50,
            "model_latency_ms_p99": checked.model_latency_ms_p99,
            "audit_ok": audit_ok,
            "candidates": checked.candidates,
            "duplicated": checked.duplicated,
            "missing": checked.missing,
            "succeeded": checked.succeeded,
            "failed": checked.failed,
            "other_status": checked.other_status,
            "retried": checked.retried,
            "job_status": checked.job_status,
            "fake_requests": stats["count"],
            "fake_outcomes": stats["outcomes"],
            "latency_s": config.latency,
            "workers": config.workers,
            "worker_concurrency": config.worker_concurrency,
            "pool": config.pool,
            "cpu_cores": cpu_cores(before, after, observed_s),
            "nproc": os.cpu_count(),
            "seed_s": round(seed_s, 1),
            "workers_ready_s": round(workers_ready_s, 1),
            "postgres": postgres_version(),
            "profiled": config.profile_dir is not None,
        }
    finally:
        with contextlib.suppress(Exception):
            delete_redis_keys(config.redis_url, prefix)
        if config.keep:
            log(f"kept {workdir}" + (f" and database {pg_name}" if pg_name else ""))
        else:
            if pg_name is not None:
                with contextlib.suppress(Exception):
                    from prefhub.kit.db import reset_engine_cache

                    reset_engine_cache()
                drop_postgres_database(pg_name)
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        line = run(config)
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        line = {"requests": config.requests, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(line), flush=True)
    # A miss of the efficiency target is a result; a failed run or audit is not.
    ok = "error" not in line and line.get("audit_ok", True) and line.get("limit_held", True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
