"""Import throughput: items/s of an import job on pairwise text items, and its memory.

For each database (SQLite, PostgreSQL) and each size (10,000 and 50,000 lines) this creates a
fresh database, migrates it, seeds (in a child process, through the service layer) an admin and
a pairwise campaign, and keeps the generated file as an import job's upload (``create_job``,
what ``POST /api/campaigns/{slug}/items/import-jobs`` runs). A worker process then runs the job
(``execute_import``, the body of the Celery task: validate the whole file, write it in batches,
publish it at once) with nobody else using the database.

One JSON line per run goes to stdout: items/s over the job's run (its ``started_at`` to
``finished_at``), seconds of validation, of writing and of pauses between batches (SQLite),
the importer's peak RSS (``ru_maxrss``, and what it held before the job began: flat across
sizes means memory does not grow with the file), CPU seconds of the importer and of PostgreSQL
(the backends of the importer's connections, read before they close; and per 1,000 items),
the machine's load.
Progress goes to stderr. Run it as ``make bench-import`` (with the annotators-while-importing
measurement) or ``.venv/bin/python bench/import_throughput.py``.
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
import time
from pathlib import Path
from typing import Any

from _common import (
    create_postgres_database,
    drop_postgres_database,
    machine_busy,
    migrate,
    prefhub_env,
)

SLUG = "bench-import-throughput"
TARGETS = {"postgresql": 10_000, "sqlite": 5_000}
# The worker process: the import job, then its timings as one JSON line. ``--profile`` keeps a
# cProfile of the run beside it.
IMPORTER = """
import json, os, resource, sys, time
from sqlalchemy import text
from prefhub.items.tasks import execute_import
from prefhub.kit.db import unit_of_work
from prefhub.models import ImportJob
job_id, profile = int(sys.argv[1]), sys.argv[2]
with unit_of_work(read_only=True) as session:  # the engine and the models loaded
    session.get_one(ImportJob, job_id)
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# Seconds the import sleeps: on SQLite, stepping aside between batches (nobody else writes).
slept = [0.0]
_sleep = time.sleep
def sleep(seconds):
    slept[0] += seconds
    _sleep(seconds)
time.sleep = sleep
cpu_before = time.process_time()
validated = []
def progress(done, total):
    if not validated:
        validated.append(time.time())
began = time.time()
if profile:
    import cProfile
    profiler = cProfile.Profile()
    job = profiler.runcall(execute_import, job_id, None, progress)
    profiler.dump_stats(profile)
else:
    job = execute_import(job_id, None, progress)
ended = time.time()
# The CPU of this database's PostgreSQL backends (this process's connections, still open),
# read before they close; other databases on the server are not counted.
postgres_cpu = 0.0
with unit_of_work(read_only=True) as session:
    if session.get_bind().dialect.name == "postgresql":
        pids = session.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )).scalars().all()
        for pid in pids:
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            postgres_cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
print(json.dumps({
    "status": str(job.status), "imported": job.imported, "ready": job.ready,
    "error": job.error_message,
    "seconds": (job.finished_at - job.started_at).total_seconds(),
    "process_seconds": ended - began,
    "validate_seconds": (validated[0] - began) if validated else None,
    "cpu_seconds": time.process_time() - cpu_before,
    "sleep_seconds": slept[0],
    "postgres_cpu_seconds": postgres_cpu,
    "rss_before_mb": rss_before / 1024,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def log(message: str) -> None:
    print(f"[bench-import-throughput] {message}", file=sys.stderr, flush=True)


def item_line(i: int) -> str:
    """One pairwise text item, two candidates: about 300 bytes, as a typical prompt file."""
    return json.dumps(
        {
            "id": f"item-{i}",
            "prompt": f"Question {i}: explain topic {i * 7919 % 100003} briefly.",
            "candidates": [f"Answer one to {i}. " * 6, f"Answer two to {i}. " * 9],
            "metadata": {"source": "bench"},
        }
    )


def _seed(env: dict[str, str], lines: int, result: Any) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment."""
    os.environ.update(env)
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.items.jobs import create_job
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(
            session,
            email="bench-admin@bench.example",
            password="bench-password-not-a-secret",
            role=Role.admin,
        )
        spec = CampaignSpec(
            name="Import throughput", slug=SLUG, questions=[PairwiseQuestion()], redundancy=3
        )
        campaign = create_campaign(session, spec, owner)
        data = "\n".join(item_line(i) for i in range(lines)).encode()
        result.value = create_job(session, campaign, owner, data, "bench.jsonl", send=False).id


def seed(env: dict[str, str], lines: int) -> int:
    context = mp.get_context("spawn")
    job_id = context.Value("i", 0)
    process = context.Process(target=_seed, args=(env, lines, job_id))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    return int(job_id.value)


def run_one(database: str, lines: int, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-import-throughput-{database}-"))
    pg_name = None
    try:
        if database == "postgresql":
            pg_name, url = create_postgres_database("bench_import_tp")
        else:
            url = f"sqlite:///{workdir / 'prefhub.db'}"
        env = prefhub_env(url, workdir)
        migrate(env, workdir)
        job_id = seed(env, lines)
        log(f"{database}: import job {job_id} holds {lines} lines")
        profile = ""
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profile = str(Path(args.profile).resolve() / f"import-{database}-{lines}.prof")
        loadavg_before = os.getloadavg()[0]
        busy_before, started = machine_busy(), time.monotonic()
        importer = subprocess.run(
            [sys.executable, "-c", IMPORTER, str(job_id), profile],
            env={**os.environ, **env},
            cwd=workdir,
            stdout=subprocess.PIPE,
            check=True,
        )
        wall = time.monotonic() - started
        busy = machine_busy() - busy_before
        outcome = json.loads(importer.stdout)
        pg_cpu = outcome["postgres_cpu_seconds"]
        seconds = outcome["seconds"]
        rate = lines / seconds if seconds else None
        validate = outcome["validate_seconds"]
        return {
            "bench": "import_throughput",
            "database": database,
            "lines": lines,
            "status": outcome["status"],
            "imported": outcome["imported"],
            "ready": outcome["ready"],
            "error": outcome["error"],
            "items_per_s": round(rate, 1) if rate else None,
            "seconds": round(seconds, 2),
            "validate_seconds": round(validate, 2) if validate is not None else None,
            "write_seconds": round(outcome["process_seconds"] - validate, 2)
            if validate is not None
            else None,
            # Of ``seconds``: the pauses between batches (SQLite steps aside for annotators).
            "pause_seconds": round(outcome["sleep_seconds"], 2),
            "peak_rss_mb": round(outcome["peak_rss_mb"], 1),
            "rss_before_job_mb": round(outcome["rss_before_mb"], 1),
            "cpu_seconds": {
                "importer": round(outcome["cpu_seconds"], 2),
                "postgres": round(pg_cpu, 2),
            },
            "cpu_ms_per_1000_items": {
                "importer": round(outcome["cpu_seconds"] * 1e6 / lines, 1),
                "postgres": round(pg_cpu * 1e6 / lines, 1),
            },
            "target_items_per_s": TARGETS[database],
            "met": rate is not None and rate >= TARGETS[database],
            "load": {
                # Busy cores while the importer ran, all processes; 1.0 is the importer alone.
                "machine_cores": round(busy / wall, 2),
                "loadavg_1m_before": round(loadavg_before, 2),
                "nproc": os.cpu_count(),
            },
        }
    finally:
        if pg_name and not args.keep:
            drop_postgres_database(pg_name)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--lines", default="10000,50000", help="file sizes, comma-separated")
    parser.add_argument("--profile", metavar="DIR", help="keep a cProfile of each import here")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    args = parser.parse_args(argv)
    for database in args.database.split(","):
        for lines in args.lines.split(","):
            print(json.dumps(run_one(database.strip(), int(lines), args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
