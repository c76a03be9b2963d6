"""In-situ ingestion benchmark (issue 19): events/s into the database over HTTP, and what an
ingest load does to the annotators' loop.

For each database (PostgreSQL, SQLite) this creates a fresh database, migrates it with
``prefhub db upgrade``, seeds (in a child process, through the service layer) an admin,
annotators with browser sessions, a pairwise campaign, a feedback source and one write-only
ingestion key per sender, and starts ``prefhub serve`` (the CLI's number of API processes,
without the embedded worker and the access log). Batches are JSONL bodies of
``prefhub.insitu.simulate.stream`` events (1,000 each by default, built before the clock
starts, every one with event ids of its own), sent as a chat product sends them:
``POST /api/ingest/{source}/events`` with ``Authorization: Bearer phi_...``. Three phases:

- ``gzip`` and ``plain`` (closed loop): S senders (4) each post batches back to back, with
  ``Content-Encoding: gzip`` and without; events accepted per second in the measured window,
  each batch's latency, CPU per 1,000 events of the API processes, PostgreSQL and this script.
- ``mixed``: annotators (20, each a submit-and-next then a think time of 0.1-0.3 s) keep
  working through alternating windows, annotators alone then annotators + ingestion at a fixed
  offered rate (``--mixed-rate`` events/s, open loop), repeated ``--pairs`` times: the
  annotators' step latency p50/p95/p99 in each kind of window, and each ingest batch's.

Afterwards an audit from the database: the events stored equal the events accepted over HTTP,
and a batch sent again stores 0. One JSON line per database goes to stdout; progress to stderr.
``make bench-ingest`` or ``.venv/bin/python bench/ingest.py --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import math
import multiprocessing as mp
import os
import random
import sys
import threading
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
    machine_busy,
    migrate,
    percentile,
    postgres_cpu,
    prefhub_env,
    prefhub_server,
    process_tree,
    throwaway_database,
)

CAMPAIGN = "bench-ingest-annotate"
SOURCE = "bench-chat"
PASSWORD = "bench-password-not-a-secret"
TARGET_EVENTS_PER_S = {"postgresql": 5000}  # issue 19: ≥ 5,000 events/s into PostgreSQL
NDJSON = "application/x-ndjson"


def log(message: str) -> None:
    print(f"[bench-ingest] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- batches


class Batches:
    """Unique JSONL batches of the simulated stream. A few are generated; the others are copies
    whose conversation (and so event) ids are renamed, which costs a byte replace instead of the
    simulation and the JSON encoding."""

    def __init__(self, size: int, templates: int = 8) -> None:
        from prefhub.insitu import simulate

        self.size = size
        self.templates: list[tuple[bytes, bytes]] = []
        for seed in range(templates):
            events = list(itertools.islice(simulate.stream(10**7, seed=seed), size))
            body = b"\n".join(json.dumps(e, separators=(",", ":")).encode() for e in events)
            self.templates.append((f'"sim-{seed}-'.encode(), body + b"\n"))
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def make(self, gzipped: bool) -> bytes:
        with self.lock:
            number = next(self.counter)
        marker, body = self.templates[number % len(self.templates)]
        plain = body.replace(marker, f'"b{number}-'.encode())
        return gzip.compress(plain, compresslevel=6) if gzipped else plain

    def prebuilt(self, count: int, gzipped: bool) -> list[bytes]:
        return [self.make(gzipped) for _ in range(count)]


# ---------------------------------------------------------------- seeding


def _seed(env: dict[str, str], args: argparse.Namespace, out: Path) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment. Annotators
    get browser sessions from the auth service (what a login makes, without argon2 for each)."""
    os.environ.update(env)
    from prefhub.auth.service import create_user, csrf_token_for, start_session
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion
    from prefhub.insitu.schemas import SourceCreate
    from prefhub.insitu.service import create_key, create_source
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    with unit_of_work() as session:
        owner = create_user(
            session, email="bench-admin@bench.example", password=PASSWORD, role=Role.admin
        )
        sessions = []
        for i in range(args.annotators):
            user = create_user(
                session,
                email=f"bench-annotator-{i}@bench.example",
                password=None,
                role=Role.annotator,
            )
            token = start_session(session, user)
            sessions.append({"session": token, "csrf": csrf_token_for(token)})
        spec = CampaignSpec(
            name="Ingest benchmark", slug=CAMPAIGN, questions=[PairwiseQuestion()], redundancy=1
        )
        campaign = create_campaign(session, spec, owner)
        items = (
            json.dumps(
                {
                    "id": f"item-{i}",
                    "prompt": f"Question {i}: explain topic {i * 7919 % 100003} briefly.",
                    "candidates": [f"Answer one to {i}. " * 6, f"Answer two to {i}. " * 9],
                }
            )
            for i in range(args.items)
        )
        import_items(session, campaign, items)
        source = create_source(
            session,
            owner,
            SourceCreate(slug=SOURCE, name="Bench chat", consent_basis="Synthetic users"),
        )
        keys = [create_key(session, source, f"sender-{i}")[1] for i in range(args.senders)]
    out.write_text(json.dumps({"sessions": sessions, "keys": keys}))


def seed(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    out = workdir / "seeded.json"
    process = mp.get_context("spawn").Process(target=_seed, args=(env, args, out))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    seeded: dict[str, Any] = json.loads(out.read_text())
    return seeded


# ---------------------------------------------------------------- ingest senders


@dataclass
class Sent:
    started: float  # time.monotonic()
    seconds: float
    status: int
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0


@dataclass
class SenderLog:
    sent: list[Sent] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    built_late: int = 0  # batches built in the window: the prebuilt ones ran out


def post_batch(client: httpx.Client, key: str, body: bytes, gzipped: bool) -> Sent:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": NDJSON}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    started = time.monotonic()
    response = client.post(f"/api/ingest/{SOURCE}/events", content=body, headers=headers)
    sent = Sent(started, time.monotonic() - started, response.status_code)
    if response.status_code == 200:
        result = response.json()
        sent.accepted, sent.duplicate = result["accepted"], result["duplicate"]
        sent.rejected = result["rejected"]
    return sent


class Sender(threading.Thread):
    """One chat product's sender: batches back to back (``interval`` None), or one every
    ``interval`` seconds from ``start`` on (open loop: a late batch goes at once)."""

    def __init__(
        self,
        base: str,
        key: str,
        batches: Batches,
        queue: list[bytes],
        gzipped: bool,
        stop: threading.Event,
        interval: float | None = None,
        start: float = 0.0,
    ) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=120)
        self.key, self.batches, self.queue, self.gzipped = key, batches, queue, gzipped
        self.stop, self.interval, self.start_at = stop, interval, start
        self.out = SenderLog()

    def next_body(self) -> bytes:
        try:
            return self.queue.pop()  # list.pop is atomic under the GIL
        except IndexError:
            self.out.built_late += 1
            return self.batches.make(self.gzipped)

    def run(self) -> None:
        scheduled = self.start_at
        while not self.stop.is_set():
            if self.interval is not None:
                wait = scheduled - time.monotonic()
                if wait > 0 and self.stop.wait(wait):
                    break
                scheduled += self.interval
            try:
                sent = post_batch(self.client, self.key, self.next_body(), self.gzipped)
            except httpx.HTTPError as exc:
                self.out.errors[f"transport:{type(exc).__name__}"] += 1
                continue
            self.out.sent.append(sent)
            if sent.status != 200:
                self.out.errors[f"http_{sent.status}"] += 1
        self.client.close()


# ---------------------------------------------------------------- annotators


class Annotator(threading.Thread):
    """An annotator: submit-and-next (``"next": true``; ``GET /next`` when it carries none),
    then a think time; each step's start (monotonic) and duration are kept."""

    def __init__(self, base: str, seeded: dict[str, str], stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=60)
        self.client.cookies.set("prefhub_session", seeded["session"])
        self.client.cookies.set("prefhub_csrf", seeded["csrf"])
        self.client.headers["X-CSRF-Token"] = seeded["csrf"]
        self.stop, self.rng = stop, random.Random(seed)
        self.steps: list[tuple[float, float]] = []
        self.errors: Counter[str] = Counter()
        self.task: dict[str, Any] | None = None

    def fetch_next(self) -> None:
        response = self.client.get(f"/api/annotate/{CAMPAIGN}/next")
        if response.status_code != 200:
            self.errors[f"next:{response.status_code}"] += 1
            self.task = None
            return
        self.task = response.json().get("task")

    def run(self) -> None:
        self.fetch_next()
        while not self.stop.wait(self.rng.uniform(0.1, 0.3)):
            if self.task is None:
                self.errors["no_task"] += 1
                self.fetch_next()
                continue
            started = time.monotonic()
            response = self.client.post(
                f"/api/annotate/{CAMPAIGN}/submit",
                json={
                    "assignment_id": self.task["assignment_id"],
                    "client_id": str(uuid.uuid4()),
                    "answers": {"preference": {"choice": self.rng.choice("AB")}},
                    "next": True,
                },
            )
            if response.status_code != 200:
                self.errors[f"submit:{response.status_code}"] += 1
                self.fetch_next()
                continue
            after = response.json().get("next")
            if after is not None:
                self.task = after.get("task")
            else:
                self.fetch_next()
            self.steps.append((started, time.monotonic() - started))
        self.client.close()


# ---------------------------------------------------------------- measuring


def cpu_snapshot(server_pids: list[int], postgres: bool) -> dict[str, float]:
    """CPU seconds so far of the API processes, PostgreSQL (on SQLite: left in ``other``, it
    is someone else's), this script (its senders and annotators) and the whole machine."""
    procs = all_procs()
    server = process_tree(server_pids, procs)
    groups = {
        "api": sum(procs[pid][2] for pid in server),
        "bench": procs[os.getpid()][2] if os.getpid() in procs else 0.0,
        "machine": machine_busy(),
    }
    if postgres:
        groups["postgres"] = postgres_cpu(procs)
    return groups


def quantiles_ms(seconds: list[float]) -> dict[str, float | None]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": round(max(ms), 1) if ms else None,
        "n": len(ms),
    }


def throughput_phase(
    base: str, server_pids: list[int], keys: list[str], batches: Batches, gzipped: bool, args: Any
) -> tuple[dict[str, Any], int, bytes]:
    """Closed-loop senders; returns the phase's line, the events accepted in the whole phase
    (warm-up included, for the audit) and one body it sent (to send again)."""
    window = args.warmup + args.seconds
    count = math.ceil(args.max_rate * window / args.batch) + len(keys)
    queue = batches.prebuilt(count, gzipped)
    queue.reverse()
    first_body = queue[-1]
    stop = threading.Event()
    senders = [Sender(base, key, batches, queue, gzipped, stop) for key in keys]
    loadavg = os.getloadavg()
    begun = time.monotonic()
    for sender in senders:
        sender.start()
    time.sleep(args.warmup)
    before, t0 = cpu_snapshot(server_pids, args.postgres), time.monotonic()
    time.sleep(args.seconds)
    after, t1 = cpu_snapshot(server_pids, args.postgres), time.monotonic()
    stop.set()
    for sender in senders:
        sender.join(timeout=180)
    sent = [s for sender in senders for s in sender.out.sent]
    # Batches answered within the window, and the events they stored.
    inside = [s for s in sent if t0 <= s.started + s.seconds < t1]
    accepted = sum(s.accepted for s in inside)
    per_s = accepted / (t1 - t0)
    used = {k: after[k] - before[k] for k in before}
    cores = cpu_cores(before, after, t1 - t0)
    per_1000 = {k: round(v * 1e6 / accepted, 1) if accepted else None for k, v in used.items()}
    per_1000.pop("machine")
    errors = sum((sender.out.errors for sender in senders), Counter[str]())
    line = {
        "gzip": gzipped,
        "senders": len(keys),
        "batch_events": args.batch,
        "batch_bytes": len(first_body),
        "seconds": round(t1 - t0, 2),
        "warmup_s": args.warmup,
        "batches": len(inside),
        "events_accepted": accepted,
        "events_per_s": round(per_s),
        "duplicate": sum(s.duplicate for s in inside),
        "rejected": sum(s.rejected for s in inside),
        "batch_ms": quantiles_ms([s.seconds for s in inside]),
        "cpu_ms_per_1000_events": per_1000,
        "cores": cores,
        "loadavg_before": [round(v, 2) for v in loadavg],
        "errors": dict(errors),
        "batches_built_in_window": sum(sender.out.built_late for sender in senders),
        "phase_seconds": round(time.monotonic() - begun, 1),
    }
    return line, sum(s.accepted for s in sent), first_body


def mixed_phase(
    bases: tuple[str, str],
    server_pids: list[int],
    seeded: dict[str, Any],
    batches: Batches,
    args: Any,
) -> tuple[dict[str, Any], int]:
    """Annotators throughout (to ``bases[0]``); ingestion in every other window (to
    ``bases[1]``: the same server, or one of its own). Returns the line and the events
    accepted."""
    stop = threading.Event()
    annotate, ingest = bases
    annotators = [Annotator(annotate, s, stop, seed=i) for i, s in enumerate(seeded["sessions"])]
    for annotator in annotators:
        annotator.start()
    time.sleep(args.warmup)
    windows: list[tuple[str, float, float]] = []
    senders: list[Sender] = []
    cpu: dict[str, list[dict[str, float]]] = {"alone": [], "ingest": []}
    keys = seeded["keys"]
    interval = len(keys) * args.batch / args.mixed_rate
    per_window = math.ceil(args.mixed_rate * args.window / args.batch) + len(keys)
    for _ in range(args.pairs):
        for kind in ("alone", "ingest"):
            queue: list[bytes] = []
            stop_senders = threading.Event()
            if kind == "ingest":
                queue = batches.prebuilt(per_window, gzipped=True)
            before, start = cpu_snapshot(server_pids, args.postgres), time.monotonic()
            if kind == "ingest":
                window_senders = [
                    Sender(
                        ingest,
                        key,
                        batches,
                        queue,
                        True,
                        stop_senders,
                        interval=interval,
                        start=start + i * interval / len(keys),
                    )
                    for i, key in enumerate(keys)
                ]
                for sender in window_senders:
                    sender.start()
                senders += window_senders
            time.sleep(args.window)
            stop_senders.set()
            after, end = cpu_snapshot(server_pids, args.postgres), time.monotonic()
            for sender in senders:
                sender.join(timeout=120)
            windows.append((kind, start, end))
            cpu[kind].append(cpu_cores(before, after, end - start))
    stop.set()
    for annotator in annotators:
        annotator.join(timeout=60)
    settle = args.settle

    def steps_in(kind: str) -> list[float]:
        return [
            seconds
            for a in annotators
            for started, seconds in a.steps
            for k, s, e in windows
            if k == kind and s + settle <= started and started + seconds <= e
        ]

    sent = [s for sender in senders for s in sender.out.sent]
    ingest_seconds = sum(e - s for k, s, e in windows if k == "ingest")
    accepted = sum(s.accepted for s in sent)
    alone, during = steps_in("alone"), steps_in("ingest")
    line = {
        "ingest_server": "separate" if annotate != ingest else "same",
        "annotators": len(annotators),
        "think_s": [0.1, 0.3],
        "pairs": args.pairs,
        "window_s": args.window,
        "settle_s": settle,
        "ingest_offered_events_per_s": args.mixed_rate,
        "ingest_events_per_s": round(accepted / ingest_seconds) if ingest_seconds else None,
        "ingest_batch_ms": quantiles_ms([s.seconds for s in sent if s.status == 200]),
        "annotator_step_ms_alone": quantiles_ms(alone),
        "annotator_step_ms_with_ingest": quantiles_ms(during),
        "annotator_step_ms_by_window": [
            {"kind": k, **quantiles_ms(steps_in_window(annotators, s + settle, e))}
            for k, s, e in windows
        ],
        "cores_alone": _mean_cores(cpu["alone"]),
        "cores_with_ingest": _mean_cores(cpu["ingest"]),
        "annotator_errors": dict(sum((a.errors for a in annotators), Counter[str]())),
        "ingest_errors": dict(sum((s.out.errors for s in senders), Counter[str]())),
    }
    return line, accepted


def steps_in_window(annotators: list[Annotator], start: float, end: float) -> list[float]:
    return [d for a in annotators for s, d in a.steps if start <= s and s + d <= end]


def _mean_cores(samples: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(sum(s[k] for s in samples) / len(samples), 2) for k in samples[0]}


# ---------------------------------------------------------------- audit


def stored_events(url: str) -> tuple[int, int]:
    """(events, conversations) stored for the benchmark's source."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            source = conn.scalar(
                text("SELECT id FROM feedback_sources WHERE slug = :s"), {"s": SOURCE}
            )
            events = conn.scalar(
                text("SELECT count(*) FROM insitu_events WHERE source_id = :s"), {"s": source}
            )
            conversations = conn.scalar(
                text("SELECT count(*) FROM insitu_conversations WHERE source_id = :s"),
                {"s": source},
            )
    finally:
        engine.dispose()
    return int(events or 0), int(conversations or 0)


# ---------------------------------------------------------------- one database


def run_one(database: str, args: argparse.Namespace, batches: Batches) -> dict[str, Any]:
    line: dict[str, Any] = {"bench": "ingest", "database": database}
    with contextlib.ExitStack() as stack:
        try:
            run = throwaway_database(database, "bench-ingest", keep=args.keep)
            workdir, url = stack.enter_context(run)
        except Exception as exc:  # any failure to reach PostgreSQL is the line's reason
            return line | {"skipped": f"{database} unavailable: {exc}"[:200]}
        return line | measure(database, workdir, url, args, batches)


def measure(
    database: str, workdir: Path, url: str, args: argparse.Namespace, batches: Batches
) -> dict[str, Any]:
    line: dict[str, Any] = {}
    args.postgres = database == "postgresql"
    env = prefhub_env(url, workdir)
    migrate(env, workdir)
    seeded = seed(env, args, workdir)
    log(f"{database}: seeded {args.annotators} annotators, {args.items} items, a source")
    workers = 1 if database == "sqlite" else (args.api_processes or 0)
    extra = ["--workers", str(workers)] if workers else []
    accepted = 0
    with contextlib.ExitStack() as servers:
        base, pid = servers.enter_context(
            prefhub_server(env, workdir, extra, workers or os.cpu_count() or 1)
        )
        line["api_processes"] = workers or os.cpu_count()
        bases, pids = (base, base), [pid]
        if args.separate_ingest:
            # Ingestion on an API process of its own, as a deployment can route /api/ingest.
            ingest_base, ingest_pid = servers.enter_context(
                prefhub_server(env, workdir, ["--workers", "1"])
            )
            bases, pids = (base, ingest_base), [pid, ingest_pid]
        resend: tuple[bytes, bool] | None = None  # a body sent, and whether gzipped
        for phase in args.phases:
            log(f"{database}: phase {phase}")
            if phase in ("gzip", "plain"):
                result, got, body = throughput_phase(
                    base, pids, seeded["keys"], batches, phase == "gzip", args
                )
                accepted += got
                resend = resend or (body, phase == "gzip")
                line[phase] = result
            elif phase == "mixed":
                result, got = mixed_phase(bases, pids, seeded, batches, args)
                accepted += got
                line[phase] = result
        stored_before_resend, conversations = stored_events(url)
        resent = {}
        if resend:
            with httpx.Client(base_url=base, timeout=120) as client:
                again = post_batch(client, seeded["keys"][0], *resend)
            resent = {
                "status": again.status,
                "accepted": again.accepted,
                "duplicate": again.duplicate,
            }
        stored_after, _ = stored_events(url)
    line["audit"] = {
        "accepted_over_http": accepted,
        "stored": stored_before_resend,
        "conversations": conversations,
        "resent_batch": resent,
        "stored_after_resend": stored_after,
        "ok": stored_before_resend == accepted
        and stored_after == stored_before_resend
        and (not resent or (resent["accepted"] == 0 and resent["status"] == 200)),
    }
    target = TARGET_EVENTS_PER_S.get(database)
    best = max((line[p]["events_per_s"] for p in ("gzip", "plain") if p in line), default=0)
    line["target_events_per_s"] = target
    line["met"] = None if target is None else best >= target
    line["nproc"] = os.cpu_count()
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--phases", default="gzip,plain,mixed", help="gzip,plain,mixed")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders, a key each")
    parser.add_argument("--batch", type=int, default=1000, help="events per batch")
    parser.add_argument("--seconds", type=float, default=20, help="measured window per phase")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each window")
    parser.add_argument(
        "--max-rate", type=float, default=12000, help="events/s the prebuilt batches last for"
    )
    parser.add_argument("--annotators", type=int, default=20, help="annotators in mixed")
    parser.add_argument("--items", type=int, default=20000, help="items for the annotators")
    parser.add_argument(
        "--mixed-rate", type=float, default=2000, help="ingest events/s offered in mixed"
    )
    parser.add_argument("--pairs", type=int, default=3, help="alone/ingest window pairs")
    parser.add_argument("--window", type=float, default=10, help="seconds of a mixed window")
    parser.add_argument("--settle", type=float, default=1, help="skip each window's start")
    parser.add_argument("--api-processes", type=int, default=None, help="serve --workers")
    parser.add_argument(
        "--separate-ingest",
        action="store_true",
        help="mixed: ingestion to a second prefhub serve (one API process) of its own",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    args.postgres = False
    batches = Batches(args.batch)
    failed = False
    for database in args.db.split(","):
        line = run_one(database.strip(), args, batches)
        failed |= not line.get("audit", {}).get("ok", True)
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
