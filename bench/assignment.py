"""Assignment benchmark: N concurrent annotators over real HTTP, then a consistency audit.

For each database (PostgreSQL, SQLite) this creates a fresh database, migrates it with
``prefhub db upgrade``, seeds annotators, a pairwise campaign (redundancy K) and items through
the service layer, starts ``prefhub serve`` and drives it with simulated annotators (asyncio +
httpx, one client per annotator, spread over several load processes). Each annotator loops
``GET /next`` then ``POST /submit`` with no think time; a few submits are re-sent with the same
``client_id`` to exercise idempotency. Afterwards the database is audited directly:

- ``over_assigned``: items with more judgments (or judgments + open leases) than K;
- ``duplicated``: judgment rows beyond the first per (annotator, client id), per assignment,
  or per (annotator, item);
- ``lost``: submits acknowledged with a 200 whose judgment is not in the database;
- ``counter_mismatches``: items whose ``judgment_count`` / ``assigned_count`` disagree with
  the rows.

One JSON line per database goes to stdout; progress goes to stderr. Run it as
``make bench-assignment`` or ``.venv/bin/python bench/assignment.py --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from _common import (
    all_procs,
    cpu_cores,
    create_postgres_database,
    drop_postgres_database,
    libpq_url,
    machine_busy,
    migrate,
    percentile,
    prefhub_env,
    prefhub_server,
    process_tree,
)

SLUG = "bench-assignment"
PASSWORD = "bench-password-not-a-secret"
ANSWERS = {"preference": {"choice": "A"}}


def log(message: str) -> None:
    print(f"[bench-assignment] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    database: str  # "postgresql" | "sqlite"
    annotators: int
    seconds: float
    warmup: float
    workers: int
    load_procs: int
    items: int
    redundancy: int
    resend_rate: float
    max_connections: int
    seed: int
    keep: bool
    analyze: bool
    profile_dir: Path | None


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, list[Config]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--annotators", type=int, default=200, help="concurrent annotators")
    parser.add_argument(
        "--sqlite-annotators",
        type=int,
        default=50,
        help="annotators on SQLite, one server process (0: same as --annotators)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured ramp-up before it")
    parser.add_argument(
        "--workers", type=int, default=3, help="API processes on PostgreSQL (SQLite: always 1)"
    )
    parser.add_argument("--load-procs", type=int, default=2, help="load generator processes")
    parser.add_argument(
        "--items", type=int, default=None, help="items to seed (default: enough not to run out)"
    )
    parser.add_argument("--redundancy", type=int, default=3, help="K judgments per item")
    parser.add_argument(
        "--resend-rate", type=float, default=0.02, help="share of submits re-sent as retries"
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="in-flight requests per load process (default: its annotators)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="ANALYZE the PostgreSQL tables after seeding (else the run starts with the "
        "statistics autovacuum has gathered by then, as a campaign right after its import does)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the server (GIL holder) with py-spy during the window (slows it down)",
    )
    args = parser.parse_args(argv)
    configs = []
    for database in [d.strip() for d in args.database.split(",") if d.strip()]:
        if database not in ("postgresql", "sqlite"):
            parser.error(f"unknown database {database!r}")
        annotators = args.annotators
        if database == "sqlite" and args.sqlite_annotators:
            annotators = args.sqlite_annotators
        # Enough items not to run out at a generous ceiling over the target rate.
        ceiling = 2500 if database == "postgresql" else 600
        items = args.items or math.ceil(
            ceiling * (args.seconds + args.warmup) / args.redundancy * 1.5
        )
        configs.append(
            Config(
                database=database,
                annotators=annotators,
                seconds=args.seconds,
                warmup=args.warmup,
                workers=args.workers if database == "postgresql" else 1,
                load_procs=max(1, min(args.load_procs, annotators)),
                items=max(items, annotators),
                redundancy=args.redundancy,
                resend_rate=args.resend_rate,
                max_connections=args.max_connections or annotators,
                seed=args.seed,
                keep=args.keep,
                analyze=args.analyze,
                profile_dir=args.profile,
            )
        )
    return args, configs


# ---------------------------------------------------------------- database and server


def analyze_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(libpq_url(name), autocommit=True, connect_timeout=3) as conn:
        conn.execute("ANALYZE")


def _seed(env: dict[str, str], config: Config) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment."""
    os.environ.update(env)
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    rng = random.Random(config.seed)
    with unit_of_work() as session:
        owner = create_user(
            session, email="bench-admin@bench.example", password=PASSWORD, role=Role.admin
        )
        for i in range(config.annotators):
            create_user(session, email=annotator_email(i), password=PASSWORD, role=Role.annotator)
        spec = CampaignSpec(
            name="Assignment benchmark",
            slug=SLUG,
            guidelines="Pick the **better** answer.",
            questions=[PairwiseQuestion()],
            redundancy=config.redundancy,
        )
        campaign = create_campaign(session, spec, owner)
        lines = (
            json.dumps(
                {
                    "id": f"bench-{i}",
                    "prompt": f"Question {i}: explain topic {rng.randrange(10**6)} briefly.",
                    "candidates": [
                        f"Answer one to question {i}. " * rng.randint(3, 12),
                        f"Answer two to question {i}. " * rng.randint(3, 12),
                    ],
                }
            )
            for i in range(config.items)
        )
        import_items(session, campaign, lines)


def seed(env: dict[str, str], config: Config) -> None:
    process = mp.get_context("spawn").Process(target=_seed, args=(env, config))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")


def annotator_email(i: int) -> str:
    return f"bench-annotator-{i}@bench.example"


def cpu_snapshot(server_pid: int, loadgen_pids: list[int]) -> dict[str, float]:
    procs = all_procs()
    server_pids = process_tree([server_pid], procs)
    groups = {"server": 0.0, "loadgen": 0.0, "postgres": 0.0}
    for pid, (name, ppid, cpu, reaped) in procs.items():
        if pid in server_pids:
            groups["server"] += cpu
        elif pid in loadgen_pids:
            groups["loadgen"] += cpu
        elif name.startswith("postgres"):
            groups["postgres"] += cpu
            if not procs.get(ppid, ("",))[0].startswith("postgres"):
                # The postmaster: backends of closed connections live on in its reaped CPU.
                groups["postgres"] += reaped
    groups["machine"] = machine_busy()
    return groups


# ---------------------------------------------------------------- load generation


@dataclass
class LoadResult:
    next_latency: list[float] = field(default_factory=list)  # ms
    next_end: list[float] = field(default_factory=list)  # s since the start
    submit_latency: list[float] = field(default_factory=list)
    submit_end: list[float] = field(default_factory=list)
    acked: list[tuple[int, str, int]] = field(default_factory=list)  # user, client id, judgment
    errors: Counter[str] = field(default_factory=Counter)
    resends: int = 0
    resend_mismatches: int = 0
    exhausted: int = 0
    login_failures: int = 0


def _error_key(kind: str, response: httpx.Response) -> str:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    return f"{kind}:{response.status_code}:{code}"


async def _login(
    base: str, index: int, limit: asyncio.Semaphore, connections: int
) -> tuple[httpx.AsyncClient, int] | None:
    client = httpx.AsyncClient(
        base_url=base,
        timeout=60,
        limits=httpx.Limits(
            max_connections=connections,
            max_keepalive_connections=connections,
            # Below uvicorn's 5 s keep-alive timeout: never reuse a connection it is closing.
            keepalive_expiry=3.0,
        ),
    )
    async with limit:
        response = await client.post(
            "/api/auth/login", json={"email": annotator_email(index), "password": PASSWORD}
        )
    if response.status_code != 200:
        log(f"login of annotator {index} failed: {response.status_code} {response.text[:200]}")
        await client.aclose()
        return None
    client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]
    return client, int(response.json()["user"]["id"])


async def _annotate(
    client: httpx.AsyncClient,
    user_id: int,
    start: float,
    end: float,
    limit: asyncio.Semaphore,
    rng: random.Random,
    resend_rate: float,
    result: LoadResult,
) -> None:
    next_url, submit_url = f"/api/annotate/{SLUG}/next", f"/api/annotate/{SLUG}/submit"
    clock = time.time
    while clock() < end:
        try:
            async with limit:
                t0 = clock()
                response = await client.get(next_url)
                t1 = clock()
        except httpx.TransportError as exc:
            result.errors[f"next:transport:{type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)
            continue
        if response.status_code != 200:
            result.errors[_error_key("next", response)] += 1
            await asyncio.sleep(0.05)
            continue
        result.next_latency.append((t1 - t0) * 1000)
        result.next_end.append(t1 - start)
        task = response.json()["task"]
        if task is None:
            result.exhausted += 1
            return
        body = {
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "answers": ANSWERS,
            "time_spent_ms": 100,
        }
        try:
            async with limit:
                t0 = clock()
                response = await client.post(submit_url, json=body)
                t1 = clock()
        except httpx.TransportError as exc:
            # Unacknowledged: if it was stored anyway, the audit counts it as such.
            result.errors[f"submit:transport:{type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)
            continue
        if response.status_code != 200:
            result.errors[_error_key("submit", response)] += 1
            await asyncio.sleep(0.05)
            continue
        result.submit_latency.append((t1 - t0) * 1000)
        result.submit_end.append(t1 - start)
        judgment_id = int(response.json()["judgment_id"])
        result.acked.append((user_id, body["client_id"], judgment_id))
        if rng.random() < resend_rate:
            result.resends += 1
            try:
                async with limit:
                    again = await client.post(submit_url, json=body)
            except httpx.TransportError as exc:
                result.errors[f"resend:transport:{type(exc).__name__}"] += 1
                continue
            if again.status_code != 200 or again.json().get("judgment_id") != judgment_id:
                result.resend_mismatches += 1
                result.errors[_error_key("resend", again)] += 1


async def _load(
    base: str,
    indices: list[int],
    config: Config,
    ready: Any,
    go: Any,
    start_at: Any,
) -> LoadResult:
    result = LoadResult()
    # Logins verify argon2 hashes: a few at a time, so the server is not swamped.
    login_limit = asyncio.Semaphore(8)
    logged_in = await asyncio.gather(*(_login(base, i, login_limit, 1) for i in indices))
    clients = [c for c in logged_in if c is not None]
    result.login_failures = len(indices) - len(clients)
    ready.put(os.getpid())
    while not go.is_set():  # a multiprocessing event: poll it without blocking the loop
        await asyncio.sleep(0.01)
    start = float(start_at.value)
    end = start + config.warmup + config.seconds
    await asyncio.sleep(max(0.0, start - time.time()))
    per_process = max(1, config.max_connections // config.load_procs)
    limit = asyncio.Semaphore(per_process)
    rng = random.Random(f"{config.seed}-{os.getpid()}")
    try:
        await asyncio.gather(
            *(
                _annotate(client, user, start, end, limit, rng, config.resend_rate, result)
                for client, user in clients
            )
        )
    finally:
        await asyncio.gather(*(client.aclose() for client, _ in clients))
    return result


def _load_process(
    base: str,
    indices: list[int],
    config: Config,
    ready: Any,
    go: Any,
    start_at: Any,
    results: Any,
) -> None:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    try:
        result = runner(_load(base, indices, config, ready, go, start_at))
    except BaseException as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        raise
    # A plain dict: this module is ``__mp_main__`` here, so its classes don't unpickle there.
    results.put(("ok", dict(vars(result))))


@dataclass
class LoadOutcome:
    result: LoadResult
    cpu: dict[str, float]
    login_s: float


def run_load(config: Config, base: str, server_pid: int) -> LoadOutcome:
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start_at = ctx.Value("d", 0.0)
    shards = [
        list(range(config.annotators))[i :: config.load_procs] for i in range(config.load_procs)
    ]
    procs = [
        ctx.Process(target=_load_process, args=(base, shard, config, ready, go, start_at, results))
        for shard in shards
    ]
    login_started = time.time()
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=600)
        login_s = time.time() - login_started
        log(f"{config.annotators} annotators logged in ({login_s:.1f}s); load starts")
        start = time.time() + 0.2
        start_at.value = start
        go.set()
        profiler = start_profiler(config, server_pid)
        pids = [p.pid for p in procs if p.pid is not None]
        time.sleep(max(0.0, start + config.warmup - time.time()))
        before = cpu_snapshot(server_pid, pids)
        time.sleep(max(0.0, start + config.warmup + config.seconds - time.time()))
        after = cpu_snapshot(server_pid, pids)
        cpu = cpu_cores(before, after, config.seconds)
        merged = LoadResult()
        for _ in procs:
            status, payload = results.get(timeout=300)
            if status != "ok":
                raise RuntimeError(f"a load process failed: {payload}")
            _merge(merged, LoadResult(**payload))
        for p in procs:
            p.join(timeout=30)
        if profiler is not None:
            profiler.wait(timeout=120)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
    return LoadOutcome(merged, cpu, login_s)


def _merge(into: LoadResult, part: LoadResult) -> None:
    into.next_latency += part.next_latency
    into.next_end += part.next_end
    into.submit_latency += part.submit_latency
    into.submit_end += part.submit_end
    into.acked += part.acked
    into.errors.update(part.errors)
    into.resends += part.resends
    into.resend_mismatches += part.resend_mismatches
    into.exhausted += part.exhausted
    into.login_failures += part.login_failures


def start_profiler(config: Config, server_pid: int) -> subprocess.Popen[bytes] | None:
    if config.profile_dir is None:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    config.profile_dir.mkdir(parents=True, exist_ok=True)
    duration = str(max(1, int(config.warmup + config.seconds - 1)))
    out = config.profile_dir / f"{config.database}-w{config.workers}"
    log(f"profiling the server with py-spy into {out}.*")
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server_pid),
            "--subprocesses",
            "--duration",
            duration,
            "--rate",
            "50",
            # Only the thread holding the GIL: where the server's CPU goes, not its waits.
            "--gil",
            "--format",
            "raw",
            "--output",
            f"{out}.txt",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------- audit


@dataclass
class Audit:
    over_assigned: int
    duplicated: int
    duplicates_by: dict[str, int]
    lost: int
    unacknowledged: int
    counter_mismatches: int
    judgments_in_db: int
    open_leases: int


def audit(database_url: str, redundancy: int, acked: list[tuple[int, str, int]]) -> Audit:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            campaign_id = conn.execute(
                text("SELECT id FROM campaigns WHERE slug = :slug"), {"slug": SLUG}
            ).scalar_one()
            params = {"c": campaign_id}
            items = conn.execute(
                text("SELECT id, assigned_count, judgment_count FROM items WHERE campaign_id = :c"),
                params,
            ).all()
            judgments = conn.execute(
                text(
                    "SELECT id, client_id, assignment_id, item_id, annotator_id, supersedes_id"
                    " FROM judgments WHERE campaign_id = :c"
                ),
                params,
            ).all()
            assignments = conn.execute(
                text(
                    "SELECT item_id, status, count(*) FROM assignments WHERE campaign_id = :c"
                    " GROUP BY item_id, status"
                ),
                params,
            ).all()
    finally:
        engine.dispose()

    judged = Counter(row.item_id for row in judgments)
    leased: Counter[int] = Counter()
    submitted: Counter[int] = Counter()
    for item_id, status, count in assignments:
        if status == "leased":
            leased[item_id] += count
        elif status == "submitted":
            submitted[item_id] += count
    over_assigned = mismatches = 0
    for item_id, assigned_count, judgment_count in items:
        n = judged[item_id]
        if n > redundancy or n + leased[item_id] > redundancy or assigned_count > redundancy:
            over_assigned += 1
        if judgment_count != n or assigned_count != leased[item_id] + submitted[item_id]:
            mismatches += 1

    extra: set[int] = set()
    duplicates_by = {}
    keys = {
        "annotator_client_id": lambda r: (r.annotator_id, r.client_id),
        "assignment": lambda r: r.assignment_id,
        "annotator_item": lambda r: (r.annotator_id, r.item_id),
    }
    # A corrected judgment (undo, then submit again) supersedes its earlier revision.
    superseded = {row.supersedes_id for row in judgments if row.supersedes_id is not None}
    current = sorted((r for r in judgments if r.id not in superseded), key=lambda r: r.id)
    for name, key in keys.items():
        first: dict[Any, int] = {}
        dupes = set()
        for row in current if name != "annotator_client_id" else judgments:
            if first.setdefault(key(row), row.id) != row.id:
                dupes.add(row.id)
        duplicates_by[name] = len(dupes)
        extra |= dupes

    stored = {row.id: (row.annotator_id, row.client_id) for row in judgments}
    acked_keys = {(user, client_id) for user, client_id, _ in acked}
    lost = sum(1 for user, cid, jid in acked if stored.get(jid) != (user, cid))
    unacknowledged = sum(1 for key in stored.values() if key not in acked_keys)
    return Audit(
        over_assigned=over_assigned,
        duplicated=len(extra),
        duplicates_by=duplicates_by,
        lost=lost,
        unacknowledged=unacknowledged,
        counter_mismatches=mismatches,
        judgments_in_db=len(judgments),
        open_leases=sum(leased.values()),
    )


# ---------------------------------------------------------------- one run


def _in_window(latency: list[float], end: list[float], lo: float, hi: float) -> list[float]:
    return [lat for lat, t in zip(latency, end, strict=True) if lo <= t <= hi]


def run(config: Config) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"prefhub-bench-{config.database}-"))
    pg_name: str | None = None
    try:
        if config.database == "postgresql":
            try:
                pg_name, url = create_postgres_database("prefhub_bench")
            except Exception as exc:
                return {"database": "postgresql", "skipped": f"PostgreSQL unreachable: {exc}"}
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        env = prefhub_env(url, workdir)
        log(f"{config.database}: migrating {url}")
        migrate(env, workdir)
        log(f"{config.database}: seeding {config.annotators} annotators, {config.items} items")
        t0 = time.monotonic()
        seed(env, config)
        seed_s = time.monotonic() - t0
        if config.analyze and pg_name is not None:
            analyze_postgres(pg_name)
        server_args = ["--workers", str(config.workers)]
        with prefhub_server(env, workdir, server_args, config.workers) as (base, server_pid):
            log(f"{config.database}: server up at {base} with {config.workers} worker(s)")
            outcome = run_load(config, base, server_pid)
        log(f"{config.database}: auditing")
        result = outcome.result
        checked = audit(url, config.redundancy, result.acked)
        lo, hi = config.warmup, config.warmup + config.seconds
        next_lat = _in_window(result.next_latency, result.next_end, lo, hi)
        submit_lat = _in_window(result.submit_latency, result.submit_end, lo, hi)
        requests = len(next_lat) + len(submit_lat)
        loadgen_ms = outcome.cpu["loadgen"] * config.seconds * 1000 / requests if requests else None
        return {
            "database": config.database,
            "annotators": config.annotators,
            "judgments": len(submit_lat),
            "judgments_per_s": round(len(submit_lat) / config.seconds, 1),
            "next_task_p50_ms": percentile(next_lat, 50),
            "next_task_p99_ms": percentile(next_lat, 99),
            "submit_p50_ms": percentile(submit_lat, 50),
            "submit_p99_ms": percentile(submit_lat, 99),
            "over_assigned": checked.over_assigned,
            "lost": checked.lost,
            "duplicated": checked.duplicated,
            "duplicates_by": checked.duplicates_by,
            "counter_mismatches": checked.counter_mismatches,
            "unacknowledged": checked.unacknowledged,
            "idempotent_resends": result.resends,
            "resend_mismatches": result.resend_mismatches,
            "errors": dict(result.errors),
            "login_failures": result.login_failures,
            "pool_exhausted": result.exhausted,
            "judgments_total": len(result.acked),
            "judgments_in_db": checked.judgments_in_db,
            "open_leases": checked.open_leases,
            "server_workers": config.workers,
            "load_procs": config.load_procs,
            "duration_s": config.seconds,
            "warmup_s": config.warmup,
            "items": config.items,
            "redundancy": config.redundancy,
            "analyzed": config.analyze and config.database == "postgresql",
            "cpu_cores": outcome.cpu,
            "loadgen_cpu_ms_per_request": round(loadgen_ms, 2) if loadgen_ms else None,
            "nproc": os.cpu_count(),
            "seed_s": round(seed_s, 1),
            "login_s": round(outcome.login_s, 1),
        }
    finally:
        if config.keep:
            log(
                f"{config.database}: kept {workdir}"
                + (f" and database {pg_name}" if pg_name else "")
            )
        else:
            if pg_name is not None:
                drop_postgres_database(pg_name)
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    _, configs = parse_args(argv)
    failed = False
    for config in configs:
        try:
            line = run(config)
        except Exception as exc:
            log(f"{config.database}: failed: {type(exc).__name__}: {exc}")
            line = {"database": config.database, "error": f"{type(exc).__name__}: {exc}"}
            failed = True
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
