"""Export benchmark: 1,000,000 judgments on PostgreSQL exported to ``dpo`` JSONL, one per row.

The benchmark creates a fresh PostgreSQL database, migrates it with ``prefhub db upgrade``,
creates annotators and a pairwise campaign through the service layer, then bulk-loads with
``COPY`` what the annotation API would have written: items with two candidates each, one
submitted assignment per (item, annotator) and one judgment per assignment (pairwise answers as
the API stores them, the candidate order shown, time spent). Judgments of neighbouring items
interleave, as they do when many annotators work at once. Then it ``VACUUM ANALYZE``s.

The export runs in a child process of its own: it creates an export job through the service
and runs ``prefhub.exports.tasks.execute_export`` (the body of the Celery task and of
``prefhub export``) into a temp folder. ``seconds`` is that call's wall time (query, rows, file,
sha256, manifest, progress updates); ``peak_rss_mb`` is the child's ``ru_maxrss`` (its peak
resident memory over its whole life, imports included). Afterwards the output is checked:
its row count must equal the number of judgments with a preference (``A`` or ``B``; ties and
"both bad" give no row) and the manifest's count, and a few rows are compared field by field
with the database.

With ``--rest`` (``make bench-export-small``) the export is timed as a researcher runs it
instead: ``prefhub serve`` and ``prefhub worker`` on the seeded database (``--database sqlite``
seeds a SQLite file with the same rows), then create the job over the REST API, poll it until
done and download the data file (``--format dpo|judgments``); see "the REST path" below.

One JSON line goes to stdout; progress goes to stderr. Run it as ``make bench-export`` or
``.venv/bin/python bench/export.py --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    all_procs,
    cpu_cores,
    create_postgres_database,
    drop_postgres_database,
    libpq_url,
    machine_busy,
    migrate,
    postgres_cpu,
    postgres_version,
    prefhub_command,
    prefhub_env,
    prefhub_server,
    process_tree,
    sqlalchemy_url,
    stop_process,
)

SLUG = "bench-export"
QUESTION = "preference"
TARGET_ROWS_PER_S = 100_000
TARGET_PEAK_RSS_MB = 300
# --rest: judgments exported per second from the POST to the download's end (issue 18).
TARGET_REST_JUDGMENTS_PER_S = 50_000
OWNER = "bench-admin@bench.example"
PASSWORD = "bench-export-password"
# Shares of the pairwise answers; "tie" and "both_bad" give no dpo row.
CHOICES = ("A", "B", "tie", "both_bad")
CHOICE_WEIGHTS = (45, 45, 7, 3)
MODELS = ("llama-3.1-8b-instruct", "qwen2.5-7b-instruct", "mistral-7b-instruct-v0.3")
START = datetime(2026, 10, 1, 8, 0, 0)
# Items are judged in blocks of this many; the judgments of a block interleave.
BLOCK = 1000
PSEUDONYM = re.compile(r"^ann-[0-9a-f]{16}$")


def log(message: str) -> None:
    print(f"[bench-export] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    judgments: int
    per_item: int
    annotators: int
    candidate_chars: int
    batch_size: int | None
    seed: int
    keep: bool
    profile_dir: Path | None
    reuse_database: str | None = None
    database: str = "postgresql"
    format: str = "dpo"
    rest: bool = False
    repeat: int = 1

    @property
    def items(self) -> int:
        return self.judgments // self.per_item


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--per-item", type=int, default=4, help="judgments per item (K)")
    parser.add_argument("--annotators", type=int, default=1000)
    parser.add_argument(
        "--candidate-chars", type=int, default=600, help="mean length of a candidate's text"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="override the export service's BATCH_SIZE (default: the service's own)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and the export")
    parser.add_argument(
        "--reuse-database",
        default=None,
        metavar="NAME",
        help="export a database an earlier --keep run seeded (skips seeding; the database is "
        "kept afterwards, the export only with --keep)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the export process with py-spy (slows it down: not for recorded results)",
    )
    parser.add_argument(
        "--rest",
        action="store_true",
        help="time what a researcher does instead: prefhub serve and a prefhub worker, then "
        "create the export job over the REST API, poll it until done and download the data file",
    )
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--format", choices=("dpo", "judgments"), default="dpo")
    parser.add_argument(
        "--repeat", type=int, default=1, help="exports of the one seeded database (--rest)"
    )
    args = parser.parse_args(argv)
    if (args.database != "postgresql" or args.format != "dpo") and not args.rest:
        parser.error("--database sqlite and --format judgments are measured with --rest")
    if args.reuse_database and args.database != "postgresql":
        parser.error("--reuse-database names a PostgreSQL database")
    if args.per_item < 1 or args.annotators < args.per_item or args.judgments < args.per_item:
        parser.error("need judgments >= per-item >= 1 and annotators >= per-item")
    return Config(
        judgments=args.judgments - args.judgments % args.per_item,
        per_item=args.per_item,
        annotators=args.annotators,
        candidate_chars=args.candidate_chars,
        batch_size=args.batch_size,
        seed=args.seed,
        keep=args.keep,
        profile_dir=args.profile,
        reuse_database=args.reuse_database,
        database=args.database,
        format=args.format,
        rest=args.rest,
        repeat=max(1, args.repeat),
    )


# ---------------------------------------------------------------- seeding
#
# Rows are written in COPY's text format. JSON holds no raw tab or newline; its backslashes
# are COPY's escape character and are doubled.


def _copy_json(value: Any) -> str:
    return _copy_text(json.dumps(value, ensure_ascii=False))


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\")


def _ts(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="seconds")


class Texts:
    """Plausible prose from a fixed vocabulary, cheap enough for a million candidates."""

    VOCABULARY = (
        "the a model answer question because therefore however example data value function "
        "result first second step explain consider which when where this that these those "
        "water energy system process time people language history science garden recipe "
        "travel budget program error memory network user request response café naïve über "
        "résumé quickly carefully usually often rarely simply clearly important useful "
        "different similar small large early late good better best poor worse worst"
    )

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = self.VOCABULARY.split()
        self.sentences = [self._sentence() for _ in range(4000)]

    def _sentence(self) -> str:
        words = self.rng.choices(self.words, k=self.rng.randint(6, 18))
        return " ".join(words).capitalize() + self.rng.choice((".", ".", ".", "?", "!"))

    def text(self, chars: int) -> str:
        out: list[str] = []
        size = 0
        while size < chars:
            sentence = self.rng.choice(self.sentences)
            out.append(sentence)
            size += len(sentence) + 1
        return " ".join(out)


def _parts(text: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": text}]


def _context(texts: Texts, rng: random.Random, i: int) -> list[dict[str, Any]]:
    roll = rng.random()
    messages = []
    if roll < 0.3:
        messages.append({"role": "system", "content": _parts("You are a helpful assistant.")})
    if roll > 0.85:  # a follow-up: an earlier turn and its answer
        messages.append({"role": "user", "content": _parts(texts.text(120))})
        messages.append({"role": "assistant", "content": _parts(texts.text(300))})
    messages.append({"role": "user", "content": _parts(f"Q{i}: " + texts.text(200))})
    return messages


# Items and candidates carry the export JSON the app makes when it writes them (a column
# default in models/item.py), made here by the same functions.


def _item_lines(config: Config, campaign_id: int) -> Iterator[str]:
    from prefhub.exports.dpo_encoding import prompt_json

    rng = random.Random(f"{config.seed}-items")
    texts = Texts(rng)
    for i in range(1, config.items + 1):
        context = _context(texts, rng, i)
        prompt = _copy_text(prompt_json(context).decode())
        yield (
            f"{i}\t{campaign_id}\tbench-{i:07d}\t{_copy_json(context)}\t{prompt}\t{{}}"
            f"\tcomplete\t0\tf\t{config.per_item}\t{config.per_item}\t{_ts(START)}\t0\n"
        )


def _candidate_lines(config: Config) -> Iterator[str]:
    from prefhub.exports.dpo_encoding import text_json

    rng = random.Random(f"{config.seed}-candidates")
    texts = Texts(rng)
    mean = config.candidate_chars
    for i in range(1, config.items + 1):
        models = rng.sample(MODELS, 2)
        for position in (0, 1):
            parts = _parts(texts.text(rng.randint(mean // 3, mean * 5 // 3)))
            yield (
                f"{2 * i - 1 + position}\t{i}\t{position}\t{_copy_json(parts)}"
                f"\t{_copy_text(text_json(parts))}\t{models[position]}"
                f'\t{{"temperature": 0.7}}\t0\t{{}}\t{_ts(START)}\n'
            )


@dataclass(frozen=True)
class JudgmentRow:
    id: int
    item_id: int
    annotator_id: int
    shown_order: list[int]
    choice: str
    time_spent_ms: int
    created_at: datetime


def _judgment_rows(config: Config, annotator_ids: list[int]) -> Iterator[JudgmentRow]:
    """Deterministic (called once for assignments, once for judgments): block by block, the
    K judgments of each item by K different annotators, interleaved within the block."""
    next_id = 1
    for first in range(1, config.items + 1, BLOCK):
        rng = random.Random(f"{config.seed}-block-{first}")
        pairs = [
            (item, annotator)
            for item in range(first, min(first + BLOCK, config.items + 1))
            for annotator in rng.sample(annotator_ids, config.per_item)
        ]
        rng.shuffle(pairs)
        for item, annotator in pairs:
            order = [2 * item - 1, 2 * item]
            rng.shuffle(order)
            yield JudgmentRow(
                id=next_id,
                item_id=item,
                annotator_id=annotator,
                shown_order=order,
                choice=rng.choices(CHOICES, CHOICE_WEIGHTS)[0],
                time_spent_ms=rng.randint(4_000, 90_000),
                created_at=START + timedelta(seconds=next_id * 2.5),
            )
            next_id += 1


def _assignment_lines(config: Config, campaign_id: int, annotators: list[int]) -> Iterator[str]:
    for j in _judgment_rows(config, annotators):
        created = j.created_at - timedelta(milliseconds=j.time_spent_ms)
        yield (
            f"{j.id}\t{campaign_id}\t{j.item_id}\t{j.annotator_id}\tsubmitted"
            f"\t{json.dumps(j.shown_order)}\t{_ts(created + timedelta(minutes=30))}"
            f"\t{_ts(j.created_at)}\t{_ts(created)}\n"
        )


def _judgment_lines(
    config: Config, campaign_id: int, annotators: list[int], preferences: list[int]
) -> Iterator[str]:
    for j in _judgment_rows(config, annotators):
        if j.choice in ("A", "B"):
            preferences[0] += 1
        answers = {QUESTION: {"choice": j.choice, "strength": None, "aspects": {}}}
        yield (
            f"{j.id}\tbench-{j.id:x}\t{j.id}\t{campaign_id}\t{j.item_id}\t{j.annotator_id}\t1"
            f"\t{_copy_json(answers)}\t{json.dumps(j.shown_order)}\t{j.time_spent_ms}\t0"
            f"\t{_ts(j.created_at)}\n"
        )


COPIES = {
    "items": "id, campaign_id, external_id, context, prompt_json, metadata, status, priority,"
    " is_gold, assigned_count, judgment_count, created_at, round",
    "candidates": "id, item_id, position, content, text_json, model_name, model_params, round,"
    " metadata, created_at",
    "assignments": "id, campaign_id, item_id, annotator_id, status, shown_order, expires_at,"
    " finished_at, created_at",
    "judgments": "id, client_id, assignment_id, campaign_id, item_id, annotator_id,"
    " campaign_version, answers, shown_order, time_spent_ms, revision, created_at",
}


def _copy(conn: Any, table: str, lines: Iterator[str]) -> None:
    started = time.monotonic()
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({COPIES[table]}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 5000:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
    conn.commit()
    log(f"  {table}: {time.monotonic() - started:.1f}s")


# SQLite gets the same lines (``--database sqlite``): each field back from COPY's text format,
# the boolean and the timestamps as SQLAlchemy writes them there.
SQLITE_BOOLEANS = frozenset({"is_gold"})
SQLITE_TIMESTAMPS = frozenset({"created_at", "expires_at", "finished_at"})


def _sqlite_value(column: str, field: str) -> str | bool:
    if column in SQLITE_BOOLEANS:
        return field == "t"
    if column in SQLITE_TIMESTAMPS:
        return f"{field}.000000"
    return field.replace("\\\\", "\\")


def _sqlite_insert(conn: Any, table: str, lines: Iterator[str]) -> None:
    started = time.monotonic()
    columns = [c.strip() for c in COPIES[table].split(",")]
    marks = ", ".join("?" * len(columns))
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        (
            [_sqlite_value(c, f) for c, f in zip(columns, line[:-1].split("\t"), strict=True)]
            for line in lines
        ),
    )
    conn.commit()
    log(f"  {table}: {time.monotonic() - started:.1f}s")


@dataclass(frozen=True)
class Target:
    """The database a run seeds and exports."""

    database: str  # "postgresql" | "sqlite"
    name: str  # the PostgreSQL database's name, or the SQLite file's path
    url: str


def seed(config: Config, target: Target) -> int:
    """Seed the database; returns the number of judgments with a preference (rows expected).

    Runs in this process after ``os.environ`` holds the run's settings: annotators and the
    campaign go through the services, the bulk through COPY on a connection of its own (on
    SQLite: the same lines, inserted by ``sqlite3``).
    """
    import sqlite3

    import psycopg

    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.kit.db import reset_engine_cache, unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(session, email=OWNER, password=PASSWORD, role=Role.admin)
        annotators = [
            create_user(session, email=f"bench-annotator-{i}@bench.example", password=None).id
            for i in range(config.annotators)
        ]
        spec = CampaignSpec(
            name="Export benchmark",
            slug=SLUG,
            guidelines="Pick the **better** answer.",
            questions=[PairwiseQuestion(id=QUESTION)],
            redundancy=config.per_item,
        )
        campaign_id = create_campaign(session, spec, owner).id
    reset_engine_cache()
    preferences = [0]
    tables = {
        "items": _item_lines(config, campaign_id),
        "candidates": _candidate_lines(config),
        "assignments": _assignment_lines(config, campaign_id, annotators),
        "judgments": _judgment_lines(config, campaign_id, annotators, preferences),
    }
    if target.database == "sqlite":
        with contextlib.closing(sqlite3.connect(target.name)) as conn:
            for table, lines in tables.items():
                _sqlite_insert(conn, table, lines)
            conn.execute("ANALYZE")
        return preferences[0]
    with psycopg.connect(libpq_url(target.name)) as conn:
        conn.execute("SET synchronous_commit = off")
        for table, lines in tables.items():
            _copy(conn, table, lines)
    with psycopg.connect(libpq_url(target.name), autocommit=True) as conn:
        started = time.monotonic()
        conn.execute("VACUUM ANALYZE")
        log(f"  vacuum analyze: {time.monotonic() - started:.1f}s")
    return preferences[0]


def preferences_in(pg_name: str) -> int:
    """Judgments with a preference (rows expected) in an already seeded database."""
    import psycopg

    with psycopg.connect(libpq_url(pg_name)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM judgments WHERE answers -> %s ->> 'choice' IN ('A', 'B')",
            (QUESTION,),
        ).fetchone()
    return int(row[0]) if row else 0


def database_size_mb(target: Target) -> float:
    import psycopg

    if target.database == "sqlite":
        return round(Path(target.name).stat().st_size / 2**20, 1)
    with psycopg.connect(libpq_url(target.name)) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return round(int(row[0]) / 2**20, 1) if row else 0.0


# ---------------------------------------------------------------- the export (child process)


def _export_child(env: dict[str, str], destination: str, batch_size: int | None, pipe: Any) -> None:
    """Create an export job and run it as the worker would; report time and peak memory."""
    os.environ.update(env)
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import jobs as export_jobs
    from prefhub.exports import judgment_reader
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.tasks import execute_export
    from prefhub.kit.db import unit_of_work

    if batch_size is not None:
        judgment_reader.BATCH_SIZE = batch_size
    with unit_of_work() as session:
        campaign = get_by_slug(session, SLUG)
        options = ExportOptions(format="dpo")
        job_id = export_jobs.create_job(session, campaign, None, options, send=False).id
    progress_calls = 0

    def on_progress(done: int, total: int) -> None:
        nonlocal progress_calls
        progress_calls += 1

    ready_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pipe.send(("ready", os.getpid()))
    pipe.recv()  # the parent has taken its CPU snapshot
    cpu0 = os.times()
    started = time.perf_counter()
    job = execute_export(job_id, destination=Path(destination), on_progress=on_progress)
    seconds = time.perf_counter() - started
    cpu1 = os.times()
    pipe.send(
        (
            "done",
            {
                "seconds": seconds,
                "cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
                "cpu_system_s": cpu1.system - cpu0.system,
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "ready_rss_kb": ready_rss,
                "job_status": job.status.value if job else None,
                "job_rows": job.row_count if job else None,
                "progress_calls": progress_calls,
                "batch_size": judgment_reader.BATCH_SIZE,
            },
        )
    )


def start_profiler(config: Config, pid: int) -> subprocess.Popen[bytes] | None:
    if config.profile_dir is None:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    config.profile_dir.mkdir(parents=True, exist_ok=True)
    out = config.profile_dir / "export.txt"
    log(f"profiling the export (pid {pid}) with py-spy into {out}")
    argv = [py_spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw"]
    return subprocess.Popen(
        [*argv, "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@dataclass
class ExportRun:
    child: dict[str, Any]
    cpu_cores: dict[str, float]


def run_export(config: Config, env: dict[str, str], destination: Path) -> ExportRun:
    ctx = mp.get_context("spawn")
    parent_end, child_end = ctx.Pipe()
    process = ctx.Process(
        target=_export_child, args=(env, str(destination), config.batch_size, child_end)
    )
    process.start()
    try:
        if not parent_end.poll(300):
            raise RuntimeError("the export process did not start")
        _, pid = parent_end.recv()
        profiler = start_profiler(config, pid)
        before = _cpu_snapshot(pid)
        parent_end.send("go")
        while not parent_end.poll(1.0):
            if not process.is_alive():
                raise RuntimeError(f"the export process died (exit code {process.exitcode})")
        after = _cpu_snapshot(pid)
        _, child = parent_end.recv()
        process.join(timeout=60)
        if profiler is not None:
            profiler.wait(timeout=120)
    finally:
        if process.is_alive():
            process.terminate()
            process.join()
    seconds = child["seconds"]
    used = {k: (after[k] - before[k]) / seconds for k in before}
    used["other"] = used["machine"] - used["export"] - used["postgres"]
    return ExportRun(child, {k: round(v, 2) for k, v in used.items()})


def _cpu_snapshot(pid: int) -> dict[str, float]:
    procs = all_procs()
    return {
        "export": procs[pid][2] if pid in procs else 0.0,
        "postgres": postgres_cpu(procs),
        "machine": machine_busy(),
    }


# ---------------------------------------------------------------- the REST path (--rest)
#
# What a researcher does: ``prefhub serve`` (one API process) and a worker as ``serve`` starts
# its embedded one (``prefhub worker --concurrency 8``; on PostgreSQL through Redis, the
# production topology; on SQLite through the embedded filesystem broker), then
# POST /api/campaigns/{slug}/exports, GET /api/exports/{id} every POLL_S until it is done, and
# GET /api/exports/{id}/files/<format>.jsonl to a file. ``seconds`` runs from the POST to the
# download's last byte. The job's own timestamps split it: ``queued_s`` (created to picked up
# by the worker), ``job_s`` (picked up to finished), the rest is polling and the download.

POLL_S = 0.05
REDIS_URL = os.environ.get("PREFHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _rest_env(config: Config, env: dict[str, str]) -> dict[str, str]:
    if config.database != "postgresql":
        return env
    # A queue of its own on a shared Redis: no other worker takes this run's jobs.
    return env | {
        "PREFHUB_REDIS_URL": REDIS_URL,
        "PREFHUB_CELERY_QUEUE_PREFIX": f"bench-export-{os.getpid()}",
    }


@contextlib.contextmanager
def _worker(env: dict[str, str], workdir: Path) -> Iterator[int]:
    """``prefhub worker`` as ``serve`` starts its embedded one; yields its pid once ready."""
    worker_log = workdir / "worker.log"
    with worker_log.open("ab") as out:
        process = subprocess.Popen(
            [*prefhub_command(), "worker", "--concurrency", "8"],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while b" ready." not in worker_log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {worker_log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process.pid
    finally:
        stop_process(process)


def _cpu_groups(api_pid: int, worker_pid: int) -> dict[str, float]:
    procs = all_procs()

    def tree(pid: int) -> float:
        return float(sum(procs[p][2] for p in process_tree([pid], procs)))

    own = os.times()
    return {
        "api": tree(api_pid),
        "worker": tree(worker_pid),
        "postgres": postgres_cpu(procs),
        "client": own.user + own.system,  # this process: the requests and the download
        "machine": machine_busy(),
    }


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3)


def _rest_export(
    client: Any, config: Config, pids: tuple[int, int], download: Path, target: Target
) -> dict[str, Any]:
    before = _cpu_groups(*pids)
    started = time.perf_counter()
    response = client.post(f"/api/campaigns/{SLUG}/exports", json={"format": config.format})
    response.raise_for_status()
    job_id = response.json()["id"]
    created_s = time.perf_counter() - started
    polls = 0
    while True:
        job = client.get(f"/api/exports/{job_id}").raise_for_status().json()
        polls += 1
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(POLL_S)
    done_s = time.perf_counter() - started
    if job["status"] != "succeeded":
        raise RuntimeError(f"export job {job_id} {job['status']}: {job.get('error')}")
    name = f"{config.format}.jsonl"
    with client.stream("GET", f"/api/exports/{job_id}/files/{name}") as stream:
        stream.raise_for_status()
        with download.open("wb") as out:
            for chunk in stream.iter_bytes(1 << 20):
                out.write(chunk)
    seconds = time.perf_counter() - started
    after = _cpu_groups(*pids)
    stamps = _job_stamps(target, job_id)
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(config.judgments / seconds),
        "job_rows": job["row_count"],
        "create_s": round(created_s, 3),
        "done_seen_s": round(done_s, 3),
        "download_s": round(seconds - done_s, 3),
        "queued_s": _seconds_between(stamps["created_at"], stamps["started_at"]),
        "job_s": _seconds_between(stamps["started_at"], stamps["finished_at"]),
        "polls": polls,
        "cpu_s": {
            k: round(after[k] - before[k], 2) for k in ("api", "worker", "postgres", "client")
        },
        "cpu_cores": cpu_cores(before, after, seconds),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def _job_stamps(target: Target, job_id: int) -> dict[str, str | None]:
    (row,) = _query(
        target,
        "SELECT created_at, started_at, finished_at FROM jobs WHERE id = :id",
        {"id": job_id},
    )
    return {
        k: None if v is None else str(v)
        for k, v in zip(("created_at", "started_at", "finished_at"), row, strict=True)
    }


def run_rest(
    config: Config, target: Target, env: dict[str, str], workdir: Path, expected: int
) -> dict[str, Any]:
    import httpx

    env = _rest_env(config, env)
    runs = []
    download = workdir / f"download-{config.format}.jsonl"
    with _worker(env, workdir) as worker_pid, prefhub_server(env, workdir) as (base, api_pid):
        log(f"server up at {base}, worker {worker_pid}")
        with httpx.Client(base_url=base, timeout=300) as client:
            login = {"email": OWNER, "password": PASSWORD}
            client.post("/api/auth/login", json=login).raise_for_status()
            client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]
            for n in range(config.repeat):
                one = _rest_export(client, config, (api_pid, worker_pid), download, target)
                log(f"export {n + 1}/{config.repeat}: {one['seconds']:.2f}s")
                checked = check_download(target, config, download, expected)
                runs.append(
                    one | {"rows": checked["rows"], "spot_failures": checked["spot_failures"]}
                )
                download.unlink()
    best = min(runs, key=lambda r: r["seconds"])
    median = sorted(r["seconds"] for r in runs)[len(runs) // 2]
    verified = all(r["rows"] == r["job_rows"] == expected and not r["spot_failures"] for r in runs)
    return {
        "mode": "rest",
        "database": config.database,
        "format": config.format,
        "judgments": config.judgments,
        "rows": best["rows"],
        "seconds_median": median,
        "rows_per_s": round(config.judgments / median),
        "target_rows_per_s": TARGET_REST_JUDGMENTS_PER_S,
        "met": config.judgments / median >= TARGET_REST_JUDGMENTS_PER_S,
        "verified": verified,
        "runs": runs,
    }


# ---------------------------------------------------------------- checking the output


def _query(target: Target, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows of one read-only statement, on either database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(target.url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def _json(value: Any) -> Any:
    """A JSON column's value: PostgreSQL's driver decodes it, SQLite's gives the text."""
    return json.loads(value) if isinstance(value, str) else value


def check_output(target: Target, path: Path, expected: int, fmt: str = "dpo") -> dict[str, Any]:
    """Count the rows and compare a few, spread over the file, with the database."""
    picks = {0, expected // 3, 2 * expected // 3, expected - 1} if expected else set()
    picked: list[dict[str, Any]] = []
    rows = 0
    with path.open("rb") as handle:
        for line in handle:
            if rows in picks:
                picked.append(json.loads(line))
            rows += 1
    compare = _compare if fmt == "dpo" else _compare_judgment
    failures = [f for row in picked for f in compare(target, row)]
    return {"rows": rows, "spot_checked": len(picked), "spot_failures": failures}


def check_download(target: Target, config: Config, path: Path, expected: int) -> dict[str, Any]:
    return check_output(target, path, expected, config.format)


def _text(parts: list[dict[str, Any]]) -> str:
    return "\n\n".join(p["text"] for p in parts if p.get("type") == "text")


def _judgment_of(target: Target, jid: int) -> tuple[Any, ...]:
    ((answers, shown, external_id, context, spent, item_id),) = _query(
        target,
        "SELECT j.answers, j.shown_order, i.external_id, i.context, j.time_spent_ms, i.id"
        " FROM judgments j JOIN items i ON i.id = j.item_id WHERE j.id = :jid",
        {"jid": jid},
    )
    return _json(answers), _json(shown), external_id, _json(context), spent, item_id


def _compare(target: Target, row: dict[str, Any]) -> list[str]:
    meta = row["metadata"]
    jid = meta["judgment_id"]
    answers, shown, external_id, context, spent, item_id = _judgment_of(target, jid)
    candidates = {
        cid: (_json(content), model)
        for cid, content, model in _query(
            target,
            "SELECT id, content, model_name FROM candidates WHERE item_id = :item",
            {"item": item_id},
        )
    }
    choice = answers[QUESTION]["choice"]
    chosen = shown[0 if choice == "A" else 1]
    rejected = shown[1 if choice == "A" else 0]
    expected = {
        "id": f"j{jid}.{QUESTION}",
        "campaign": SLUG,
        "prompt": [{"role": m["role"], "content": _text(m["content"])} for m in context],
        "chosen": [{"role": "assistant", "content": _text(candidates[chosen][0])}],
        "rejected": [{"role": "assistant", "content": _text(candidates[rejected][0])}],
    }
    failures = [f"j{jid}: {key} differs" for key, value in expected.items() if row[key] != value]
    expected_meta = {
        "item_id": external_id,
        "question": QUESTION,
        "chosen_label": choice,
        "shown_order": shown,
        "time_spent_ms": spent,
        "source_models": {"chosen": candidates[chosen][1], "rejected": candidates[rejected][1]},
    }
    failures += [
        f"j{jid}: metadata.{key} differs"
        for key, value in expected_meta.items()
        if meta.get(key) != value
    ]
    if not PSEUDONYM.match(str(meta.get("annotator_id"))):
        failures.append(f"j{jid}: annotator_id is not a pseudonym")
    return failures


def _compare_judgment(target: Target, row: dict[str, Any]) -> list[str]:
    jid = row["judgment_id"]
    answers, shown, external_id, _, spent, _ = _judgment_of(target, jid)
    expected = {
        "id": f"j{jid}.{QUESTION}",
        "campaign": SLUG,
        "item_id": external_id,
        "question": QUESTION,
        "answer": answers[QUESTION],
        "shown_order": shown,
        "time_spent_ms": spent,
    }
    failures = [f"j{jid}: {key} differs" for key, value in expected.items() if row[key] != value]
    if not PSEUDONYM.match(str(row.get("annotator_id"))):
        failures.append(f"j{jid}: annotator_id is not a pseudonym")
    return failures


# ---------------------------------------------------------------- one run


def run(config: Config) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="prefhub-bench-export-"))
    pg_name: str | None = None
    try:
        seed_s: float | None = None
        if config.reuse_database:
            pg_name, url = config.reuse_database, sqlalchemy_url(config.reuse_database)
            target = Target("postgresql", pg_name, url)
            env = prefhub_env(url, workdir)
            os.environ.update(env)
            expected = preferences_in(pg_name)
        else:
            if config.database == "sqlite":
                path = workdir / "bench.db"
                target = Target("sqlite", str(path), f"sqlite:///{path}")
            else:
                try:
                    pg_name, url = create_postgres_database("prefhub_bench_export")
                except Exception as exc:
                    return {"rows": None, "skipped": f"PostgreSQL unreachable: {exc}"}
                target = Target("postgresql", pg_name, url)
            env = prefhub_env(target.url, workdir)
            os.environ.update(env)  # before prefhub is first imported (settings are cached)
            log(f"migrating {target.url}")
            migrate(env, workdir)
            log(
                f"seeding {config.annotators} annotators, {config.items} items x 2 candidates, "
                f"{config.judgments} assignments and judgments"
            )
            started = time.monotonic()
            expected = seed(config, target)
            seed_s = round(time.monotonic() - started, 1)
        db_mb = database_size_mb(target)
        if config.format == "judgments":
            expected = config.judgments  # one row per judgment: the campaign has one question
        log(f"database of {db_mb:.0f} MB (seeded in {seed_s}s); exporting {expected} expected rows")
        if config.rest:
            return run_rest(config, target, env, workdir, expected) | {
                "annotators": config.annotators,
                "seed_s": seed_s,
                "db_size_mb": db_mb,
                "nproc": os.cpu_count(),
                "postgres": postgres_version() if config.database == "postgresql" else None,
                "python": platform.python_version(),
            }
        destination = workdir / "export"
        exported = run_export(config, env, destination)
        child = exported.child
        log(f"exported in {child['seconds']:.1f}s; checking the output")
        data = destination / "dpo.jsonl"
        manifest = json.loads((destination / "manifest.json").read_text())
        checked = check_output(target, data, expected)
        rows = checked["rows"]
        seconds = child["seconds"]
        rows_per_s = rows / seconds if seconds > 0 else 0.0
        peak_mb = child["peak_rss_kb"] / 1024
        output_mb = data.stat().st_size / 2**20
        verified = (
            rows == expected == manifest["counts"]["rows"] == child["job_rows"]
            and child["job_status"] == "succeeded"
            and not checked["spot_failures"]
        )
        return {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows_per_s),
            "peak_rss_mb": round(peak_mb, 1),
            "targets": {"rows_per_s": TARGET_ROWS_PER_S, "peak_rss_mb": TARGET_PEAK_RSS_MB},
            "met": {
                "rows_per_s": rows_per_s >= TARGET_ROWS_PER_S,
                "peak_rss_mb": peak_mb < TARGET_PEAK_RSS_MB,
            },
            "verified": verified,
            "expected_rows": expected,
            "manifest_rows": manifest["counts"]["rows"],
            "spot_checked": checked["spot_checked"],
            "spot_failures": checked["spot_failures"][:10],
            "judgments": config.judgments,
            "items": config.items,
            "annotators": config.annotators,
            "skipped_no_preference": manifest["counts"].get("skipped_no_preference"),
            "output_mb": round(output_mb, 1),
            "mb_per_s": round(output_mb / seconds, 1) if seconds > 0 else None,
            "rss_before_export_mb": round(child["ready_rss_kb"] / 1024, 1),
            "batch_size": child["batch_size"],
            "progress_updates": child["progress_calls"],
            "export_cpu_s": round(child["cpu_s"], 2),
            "export_cpu_system_s": round(child["cpu_system_s"], 2),
            "cpu_cores": exported.cpu_cores,
            "nproc": os.cpu_count(),
            "seed_s": seed_s,
            "reused_database": config.reuse_database is not None,
            "db_size_mb": db_mb,
            "postgres": postgres_version(),
            "python": platform.python_version(),
            "profiled": config.profile_dir is not None,
        }
    finally:
        if config.keep:
            log(f"kept {workdir}" + (f" and database {pg_name}" if pg_name else ""))
        else:
            # A reused database stays for the next run; its export (gigabytes) does not.
            if pg_name is not None and config.reuse_database is None:
                try:
                    from prefhub.kit.db import reset_engine_cache

                    reset_engine_cache()
                except ImportError:
                    pass
                drop_postgres_database(pg_name)
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        line = run(config)
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        line = {"rows": None, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(line), flush=True)
    # A missed target is a result; a failed run or a wrong output is not.
    return 0 if "error" not in line and line.get("verified", True) else 1


if __name__ == "__main__":
    sys.exit(main())
