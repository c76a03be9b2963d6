"""Import while annotating: how long annotators' requests take while a large import job runs.

For each database (SQLite, PostgreSQL) this creates a fresh database, migrates it, seeds (in a
child process, through the service layer) annotators and a pairwise campaign with ready items,
and an import job holding a 5,000-line file; starts ``prefhub serve`` and has annotators loop
``GET /api/annotate/{slug}/next`` then ``POST .../submit`` over HTTP with no think time. After
a baseline window without any import, a worker process runs the import job (the code a Celery
worker runs: validate the whole file, write it in batches, publish it at once) and every
annotator request made while it runs is timed.

One JSON line per database goes to stdout (annotator p50/p95/p99/max ms during the import and in
the baseline, import rows/s, CPU cores per process group, the machine's load); progress goes to
stderr. Run it as ``make bench-import`` or ``.venv/bin/python bench/import_while_annotating.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from _common import (
    all_procs,
    cpu_cores,
    create_postgres_database,
    drop_postgres_database,
    machine_busy,
    migrate,
    percentile,
    prefhub_env,
    prefhub_server,
    process_tree,
)

SLUG = "bench-import"
PASSWORD = "bench-password-not-a-secret"
TARGET_P99_MS = 200
# What the worker process runs: the import job, then its timings as one JSON line, with how
# long each of its write transactions held the database once begun (on SQLite, the write lock
# annotators wait for).
IMPORTER = """
import json, sys, time
from sqlalchemy import event
from prefhub.items.tasks import execute_import
from prefhub.kit.db import READ_ONLY, get_engine
held = []
@event.listens_for(get_engine(), "begin")
def began(connection):
    connection.info["began"] = time.time()
@event.listens_for(get_engine(), "commit")
def committed(connection):
    if not connection.get_execution_options().get(READ_ONLY):
        held.append((connection.info.pop("began"), time.time()))
job = execute_import(int(sys.argv[1]))
# The batches: the run of write transactions holding items (after validation).
batches = [(b, e) for b, e in held if e - b > 0.002][1:]
print(json.dumps({"status": str(job.status), "imported": job.imported,
                  "seconds": (job.finished_at - job.started_at).total_seconds(),
                  "transactions_ms": sorted(round((e - b) * 1000, 1) for b, e in held),
                  "writing": [batches[0][0], batches[-1][1]] if batches else None}))
"""


def log(message: str) -> None:
    print(f"[bench-import] {message}", file=sys.stderr, flush=True)


def annotator_email(i: int) -> str:
    return f"bench-annotator-{i}@bench.example"


def _item(prefix: str, i: int) -> str:
    return json.dumps(
        {
            "id": f"{prefix}-{i}",
            "prompt": f"Question {i}: explain topic {i * 7919 % 100003} briefly.",
            "candidates": [f"Answer one to {i}. " * 6, f"Answer two to {i}. " * 9],
            "metadata": {"source": prefix},
        }
    )


def _seed(env: dict[str, str], args: argparse.Namespace, result: Any) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment."""
    os.environ.update(env)
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.items.jobs import create_job
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(
            session, email="bench-admin@bench.example", password=PASSWORD, role=Role.admin
        )
        for i in range(args.annotators):
            create_user(session, email=annotator_email(i), password=PASSWORD, role=Role.annotator)
        spec = CampaignSpec(
            name="Import benchmark", slug=SLUG, questions=[PairwiseQuestion()], redundancy=1
        )
        campaign = create_campaign(session, spec, owner)
        import_items(session, campaign, [_item("ready", i) for i in range(args.ready_items)])
        data = "\n".join(_item("imported", i) for i in range(args.lines)).encode()
        result.value = create_job(session, campaign, owner, data, "bench.jsonl", send=False).id


def seed(env: dict[str, str], args: argparse.Namespace) -> int:
    context = mp.get_context("spawn")
    job_id = context.Value("i", 0)
    process = context.Process(target=_seed, args=(env, args, job_id))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    return int(job_id.value)


class Annotator(threading.Thread):
    """One annotator: GET /next, then submit, as fast as the server answers; every request's
    start (monotonic) and duration are kept."""

    def __init__(self, base: str, index: int, stop: threading.Event) -> None:
        super().__init__(name=f"annotator-{index}", daemon=True)
        self.client = httpx.Client(base_url=base, timeout=60)
        login = self.client.post(
            "/api/auth/login", json={"email": annotator_email(index), "password": PASSWORD}
        )
        login.raise_for_status()
        self.client.headers["X-CSRF-Token"] = self.client.cookies["prefhub_csrf"]
        self.stop = stop
        self.timings: list[tuple[float, float]] = []
        self.errors: Counter[str] = Counter()

    def _timed(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.time()  # the wall clock: compared with the importer's
        response = self.client.request(method, url, **kwargs)
        self.timings.append((started, time.time() - started))
        if response.status_code >= 400:
            self.errors[f"{response.status_code} {_code(response)}"] += 1
        return response

    def run(self) -> None:
        while not self.stop.is_set():
            task = self._timed("GET", f"/api/annotate/{SLUG}/next").json().get("task")
            if task is None:
                time.sleep(0.05)
                continue
            self._timed(
                "POST",
                f"/api/annotate/{SLUG}/submit",
                json={
                    "assignment_id": task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": {"preference": {"choice": "A"}},
                },
            )


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "?"


def _ms(values: list[float]) -> dict[str, float | None]:
    return _quantiles([v * 1000 for v in values])


def _quantiles(ms: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": round(max(ms), 1) if ms else None,
    }


def cpu_snapshot(server_pid: int, importer_pid: int | None) -> dict[str, float]:
    procs = all_procs()
    server = process_tree([server_pid], procs)
    importer = process_tree([importer_pid], procs) if importer_pid else set()
    groups = {"server": 0.0, "importer": 0.0, "postgres": 0.0, "bench": 0.0}
    for pid, (name, ppid, cpu, reaped) in procs.items():
        if pid in server:
            groups["server"] += cpu
        elif pid in importer:
            groups["importer"] += cpu
        elif pid == os.getpid():
            groups["bench"] += cpu
        elif name.startswith("postgres"):
            groups["postgres"] += cpu
            if not procs.get(ppid, ("",))[0].startswith("postgres"):
                groups["postgres"] += reaped  # backends of closed connections
    groups["machine"] = machine_busy()
    return groups


def run_one(database: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-import-{database}-"))
    pg_name = None
    try:
        if database == "postgresql":
            pg_name, url = create_postgres_database("bench_import")
        else:
            url = f"sqlite:///{workdir / 'prefhub.db'}"
        env = prefhub_env(url, workdir)
        migrate(env, workdir)
        job_id = seed(env, args)
        log(f"{database}: seeded {args.ready_items} ready items; import job {job_id}")
        with prefhub_server(env, workdir) as (base, server_pid):
            stop = threading.Event()
            annotators = [Annotator(base, i, stop) for i in range(args.annotators)]
            for annotator in annotators:
                annotator.start()
            time.sleep(args.baseline)
            loadavg_before = os.getloadavg()[0]
            importer = subprocess.Popen(
                [sys.executable, "-c", IMPORTER, str(job_id)],
                env={**os.environ, **env},
                cwd=workdir,
                stdout=subprocess.PIPE,
            )
            started = time.time()
            before, before_at = cpu_snapshot(server_pid, importer.pid), started
            after, after_at = before, before_at
            while importer.poll() is None:
                # The importer's CPU counts up to the last snapshot that saw it alive.
                after, after_at = cpu_snapshot(server_pid, importer.pid), time.time()
                time.sleep(0.2)
            ended = time.time()
            stop.set()
            for annotator in annotators:
                annotator.join(timeout=30)
            outcome = json.loads(importer.stdout.read() if importer.stdout else b"{}")
        during = [d for a in annotators for s, d in a.timings if started <= s and s + d <= ended]
        baseline = [d for a in annotators for s, d in a.timings if s + d < started]
        first, last = outcome.get("writing") or (ended, ended)
        # While the batches are written (after validation, which only competes for the CPU).
        writing = [d for a in annotators for s, d in a.timings if first <= s and s + d <= last]
        cores = cpu_cores(before, after, max(after_at - before_at, 0.001))
        p99 = _ms(during)["p99"]
        line: dict[str, Any] = {
            "bench": "import_while_annotating",
            "database": database,
            "lines": args.lines,
            "annotators": args.annotators,
            "import": {
                "status": outcome.get("status"),
                "imported": outcome.get("imported"),
                "job_seconds": round(outcome.get("seconds", 0.0), 2),
                "process_seconds": round(ended - started, 2),
                "rows_per_s": round(args.lines / outcome["seconds"], 1)
                if outcome.get("seconds")
                else None,
                "write_transactions": len(outcome.get("transactions_ms", [])),
                "write_transaction_ms": _quantiles(outcome.get("transactions_ms", [])),
            },
            "annotator_ms_during_import": _ms(during),
            "annotator_requests_during_import": len(during),
            "annotator_ms_while_writing": _ms(writing),
            "annotator_requests_while_writing": len(writing),
            "annotator_ms_baseline": _ms(baseline),
            "annotator_errors": dict(sum((a.errors for a in annotators), Counter[str]())),
            "target_p99_ms": TARGET_P99_MS,
            "met": p99 is not None and p99 < TARGET_P99_MS,
            "load": {
                "cpu_cores": cores,
                "loadavg_1m_before": round(loadavg_before, 2),
                "nproc": os.cpu_count(),
            },
        }
        return line
    finally:
        if pg_name and not args.keep:
            drop_postgres_database(pg_name)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--lines", type=int, default=5000, help="lines of the imported file")
    parser.add_argument("--annotators", type=int, default=4, help="concurrent annotators")
    parser.add_argument("--ready-items", type=int, default=3000, help="items to judge meanwhile")
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds without an import")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    args = parser.parse_args(argv)
    for database in args.database.split(","):
        print(json.dumps(run_one(database.strip(), args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
