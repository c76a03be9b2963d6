"""Assignment benchmark: the annotator's loop over real HTTP, its capacity, its latency under an
open-loop load, CPU per judgment, then a consistency audit from the database.

For each database (PostgreSQL, SQLite) this creates a fresh database, migrates it with
``prefhub db upgrade``, seeds annotators, a pairwise campaign (redundancy K) and items through
the service layer, starts ``prefhub serve`` as users start it (its defaults: access log on, the
CLI's number of API processes; only the embedded Celery worker is left out, this loop sends no
jobs) and logs every annotator in once (session cookie + ``X-CSRF-Token``). Then two phases:

- ``capacity`` (closed loop): N annotators (200 on PostgreSQL, 50 on SQLite) each loop
  submit-and-next with a valid answer and no think time; judgments/s in the measured window.
- ``open_loop``: 200 annotators each submit on a fixed schedule (every 2 s, ±25 % jitter, random
  phase; 100 judgments/s in all) whatever the server's speed; latency of each submit-and-next
  is counted from its *scheduled* send time, so a slow server's queue shows (no coordinated
  omission).

Submit-and-next is ``POST /submit`` with ``"next": true``: when the response carries a
non-null ``next``, its task is the next one (one round trip per judgment); otherwise the
client asks ``GET /next`` (two). ``round_trips_per_judgment`` reports which ran.

The load generator is one separate process of raw HTTP/1.1 keep-alive over asyncio streams
(one connection per annotator, hand-written request bytes), so it costs little of the CPU it
measures; its own CPU is reported. CPU comes from ``/proc`` (utime + stime): the server's
process tree, PostgreSQL (every ``postgres`` process, and split into this run's database, the
shared background processes and other databases' backends), the load generator, this script,
and the machine's other load beside them.

Afterwards the database is audited: items over-assigned, judgments acknowledged with a 200 but
not stored (``lost``), duplicated judgments or assignments, counter mismatches. One JSON line
per database goes to stdout; progress to stderr. ``make bench-assignment``, or
``.venv/bin/python bench/assignment.py --help``.
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
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    all_procs,
    create_postgres_database,
    drop_postgres_database,
    machine_busy,
    migrate,
    percentile,
    prefhub_env,
    prefhub_server,
    process_tree,
)

try:
    import orjson

    loads: Callable[[bytes], Any] = orjson.loads
    dumps: Callable[[Any], bytes] = orjson.dumps
except ImportError:  # pragma: no cover - orjson comes with the app's dependencies
    loads = json.loads

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()


SLUG = "bench-assignment"
PASSWORD = "bench-password-not-a-secret"
TARGETS = {
    "postgresql": {"capacity_per_s": 600, "open_loop_p99_ms": 50},
    "sqlite": {"capacity_per_s": 300, "open_loop_p99_ms": 100},
}
DEFAULT_ANNOTATORS = {"postgresql": 200, "sqlite": 50}
# Capacity ceilings the seeded items must outlast (judgments/s; above the targets).
ITEM_CEILING = {"postgresql": 1500, "sqlite": 800}
IDLE_RECONNECT_S = 4.0  # below uvicorn's 5 s keep-alive timeout


def log(message: str) -> None:
    print(f"[bench-assignment] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    database: str  # "postgresql" | "sqlite"
    annotators: int  # closed loop
    open_annotators: int
    open_rate: float  # judgments/s over all open-loop annotators
    jitter: float
    seconds: float
    warmup: float
    api_processes: int | None  # None: the CLI's default
    phases: tuple[str, ...]
    items: int
    redundancy: int
    resend_rate: float
    access_log: bool
    seed: int
    keep: bool

    @property
    def users(self) -> int:
        return max(
            self.annotators if "capacity" in self.phases else 0,
            self.open_annotators if "open_loop" in self.phases else 0,
        )


def parse_args(argv: list[str] | None = None) -> list[Config]:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--db", default="both", choices=["postgresql", "sqlite", "both"])
    parser.add_argument(
        "--annotators",
        type=int,
        default=None,
        help="closed-loop annotators (default: 200 on PostgreSQL, 50 on SQLite)",
    )
    parser.add_argument(
        "--open-loop-annotators", type=int, default=200, help="annotators of the open loop"
    )
    parser.add_argument(
        "--open-loop-rate",
        type=float,
        default=100.0,
        help="judgments/s the open-loop annotators send in all (100: 200 annotators, one "
        "submit each every 2 s)",
    )
    parser.add_argument(
        "--jitter", type=float, default=0.25, help="± share of each annotator's interval"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured start of a phase")
    parser.add_argument(
        "--api-processes",
        type=int,
        default=None,
        help="prefhub serve --workers (default: the CLI's default; SQLite: always 1)",
    )
    parser.add_argument(
        "--phases", default="capacity,open_loop", help="comma-separated: capacity, open_loop"
    )
    parser.add_argument(
        "--items", type=int, default=None, help="items to seed (default: enough not to run out)"
    )
    parser.add_argument("--redundancy", type=int, default=3, help="K judgments per item")
    parser.add_argument(
        "--resend-rate",
        type=float,
        default=0.05,
        help="share of closed-loop submits re-sent (same client_id) during the warm-up, to "
        "check idempotency; never in the measured window",
    )
    parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="serve --no-access-log (default: the CLI's default, logging every request)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir")
    args = parser.parse_args(argv)
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    if not phases or set(phases) - {"capacity", "open_loop"}:
        parser.error("--phases takes capacity and/or open_loop")
    if args.open_loop_rate <= 0 or args.seconds <= 0 or not 0 <= args.jitter < 1:
        parser.error("--open-loop-rate and --seconds must be > 0, --jitter in [0, 1)")
    databases = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    configs = []
    for database in databases:
        annotators = args.annotators or DEFAULT_ANNOTATORS[database]
        span = args.seconds + args.warmup
        wanted = 0.0
        if "capacity" in phases:
            wanted += ITEM_CEILING[database] * span * 1.3
        if "open_loop" in phases:
            wanted += args.open_loop_rate * span * 1.3 + args.open_loop_annotators
        items = args.items or math.ceil(wanted / args.redundancy)
        configs.append(
            Config(
                database=database,
                annotators=annotators,
                open_annotators=args.open_loop_annotators,
                open_rate=args.open_loop_rate,
                jitter=args.jitter,
                seconds=args.seconds,
                warmup=args.warmup,
                api_processes=args.api_processes if database == "postgresql" else 1,
                phases=phases,
                items=max(items, annotators, args.open_loop_annotators),
                redundancy=args.redundancy,
                resend_rate=args.resend_rate,
                access_log=args.access_log,
                seed=args.seed,
                keep=args.keep,
            )
        )
    return configs


def serve_default_workers() -> int:
    """``prefhub serve``'s own default for ``--workers`` on PostgreSQL, from the CLI."""
    from prefhub.cli.serve import default_workers

    return default_workers(sqlite=False)


# ---------------------------------------------------------------- seeding


def _seed(env: dict[str, str], config: Config, sessions_file: Path) -> None:
    """Runs in a child process, so that prefhub reads the benchmark's environment. Every
    annotator but the first gets no password and a browser session from the auth service, as
    ``POST /api/auth/login`` makes one after checking the password (argon2 for 200 annotators
    would take minutes of the 2 cores); the first logs in over HTTP."""
    os.environ.update(env)
    from prefhub.auth.service import create_user, csrf_token_for, start_session
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
        sessions = []
        for i in range(config.users):
            user = create_user(
                session,
                email=annotator_email(i),
                password=PASSWORD if i == 0 else None,
                role=Role.annotator,
            )
            token = None if i == 0 else start_session(session, user)
            csrf = None if token is None else csrf_token_for(token)
            sessions.append({"user_id": user.id, "session": token, "csrf": csrf})
        sessions_file.write_text(json.dumps(sessions))
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


def seed(env: dict[str, str], config: Config, workdir: Path) -> list[dict[str, Any]]:
    """Seeds the database; returns each annotator's user id and session (none for the first,
    who logs in over HTTP)."""
    sessions_file = workdir / "sessions.json"
    process = mp.get_context("spawn").Process(target=_seed, args=(env, config, sessions_file))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit code {process.exitcode})")
    sessions: list[dict[str, Any]] = json.loads(sessions_file.read_text())
    return sessions


def annotator_email(i: int) -> str:
    return f"bench-annotator-{i}@bench.example"


# ---------------------------------------------------------------- raw HTTP/1.1 client


class HttpError(Exception):
    """The connection broke or the response could not be read."""


@dataclass(frozen=True)
class ResponseHead:
    status: int
    content_length: int | None
    chunked: bool
    close: bool
    cookies: dict[str, str]


def parse_head(head: bytes) -> ResponseHead:
    """Status line and headers of an HTTP/1.1 response (``head`` ends with the blank line)."""
    lines = head.split(b"\r\n")
    status_line = lines[0].split(b" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
        raise HttpError(f"not an HTTP/1.x response: {lines[0][:80]!r}")
    length: int | None = None
    chunked = close = False
    cookies: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = value.lower() == b"close"
        elif name == b"set-cookie":
            pair = value.split(b";", 1)[0]
            key, eq, val = pair.partition(b"=")
            if eq:
                cookies[key.strip().decode()] = val.strip().decode()
    return ResponseHead(int(status_line[1]), length, chunked, close, cookies)


def build_request(
    method: str, path: str, host: str, headers: bytes = b"", body: bytes | None = None
) -> bytes:
    """Request bytes; ``headers`` are complete ``Name: value\\r\\n`` lines."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n".encode() + headers
    if body is None:
        return head + b"\r\n"
    return (
        head
        + b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


class Connection:
    """One keep-alive connection; reconnects when idle long enough for the server to have
    closed it, or after the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0
        self.reconnects = 0

    async def _open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[ResponseHead, bytes]:
        """Send ``raw``; on a connection the server closed before answering, reconnect and
        send it once more (every request this bench sends may be repeated: a submit is
        idempotent by its client id, GET /next returns the task already held)."""
        now = time.monotonic()
        fresh = self.reader is None or now - self.last_used > IDLE_RECONNECT_S
        if fresh:
            await self._open()
        try:
            result = await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if fresh:
                raise HttpError(f"{type(exc).__name__}: {exc}") from exc
            self.reconnects += 1
            await self._open()
            try:
                result = await self._exchange(raw)
            except (ConnectionError, asyncio.IncompleteReadError) as again:
                self.close()
                raise HttpError(f"{type(again).__name__}: {again}") from again
        self.last_used = time.monotonic()
        if result[0].close:
            self.close()
        return result

    async def _exchange(self, raw: bytes) -> tuple[ResponseHead, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = parse_head(await self.reader.readuntil(b"\r\n\r\n"))
        if head.content_length is not None:
            body = await self.reader.readexactly(head.content_length)
        elif head.chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await self.reader.read()
            self.close()
        return head, body


# ---------------------------------------------------------------- annotators


def answer_for(task: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A valid answer to every question of ``task`` (the kinds this bench's campaign asks)."""
    labels = [c["label"] for c in task["candidates"]]
    answers: dict[str, Any] = {}
    for question in task["questions"]:
        kind = question["kind"]
        if kind == "pairwise":
            choices = labels[:2] * 9
            if question.get("allow_tie"):
                choices.append("tie")
            answer: dict[str, Any] = {"choice": rng.choice(choices)}
            if question.get("strength"):
                answer["strength"] = rng.choice(["slight", "clear", "strong"])
            answers[question["id"]] = answer
        elif kind == "binary":
            answers[question["id"]] = {"votes": {lab: rng.choice(["up", "down"]) for lab in labels}}
        elif kind == "ranking":
            order = labels[:]
            rng.shuffle(order)
            answers[question["id"]] = {"ranking": [[lab] for lab in order]}
        else:
            raise ValueError(f"this bench answers no {kind!r} question")
    return answers


def error_key(kind: str, status: int, body: bytes) -> str:
    try:
        code = loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    return f"{kind}:{status}:{code}"


@dataclass
class Annotator:
    index: int
    conn: Connection
    headers: bytes  # Cookie and X-CSRF-Token lines
    user_id: int
    rng: random.Random
    task: dict[str, Any] | None = None


@dataclass
class PhaseLog:
    """What one phase's annotators did; times are ``time.monotonic()`` (system-wide)."""

    steps: list[tuple[float, float, int]] = field(default_factory=list)  # t0, t1, round trips
    acked: list[tuple[int, str, int]] = field(default_factory=list)  # user, client id, judgment
    errors: Counter[str] = field(default_factory=Counter)
    resends: int = 0
    resend_mismatches: int = 0
    exhausted: int = 0
    unsent: list[float] = field(default_factory=list)  # open loop: scheduled, never sent
    deadline: float = 0.0


class Loop:
    """The annotator's step: submit with ``next``, then GET /next only when it came back
    without one."""

    def __init__(self, host: str) -> None:
        self.host = host  # the Host header: host:port
        self.next_path = f"/api/annotate/{SLUG}/next"
        self.submit_path = f"/api/annotate/{SLUG}/submit"

    async def fetch_next(self, a: Annotator, out: PhaseLog) -> bool:
        """GET /next into ``a.task``; False on an error (counted)."""
        try:
            head, body = await a.conn.request(
                build_request("GET", self.next_path, self.host, a.headers)
            )
        except HttpError as exc:
            out.errors[f"next:transport:{exc}"[:80]] += 1
            return False
        if head.status != 200:
            out.errors[error_key("next", head.status, body)] += 1
            return False
        a.task = loads(body)["task"]
        return True

    async def step(self, a: Annotator, out: PhaseLog, resend: bool = False) -> int:
        """Submit an answer to ``a.task`` and move to the next task: the round trips it took,
        or 0 when it failed (the error is counted; ``a.task`` is refreshed)."""
        assert a.task is not None
        client_id = str(uuid.UUID(int=a.rng.getrandbits(128), version=4))
        body = dumps(
            {
                "assignment_id": a.task["assignment_id"],
                "client_id": client_id,
                "answers": answer_for(a.task, a.rng),
                "time_spent_ms": 2000,
                "next": True,
            }
        )
        raw = build_request("POST", self.submit_path, self.host, a.headers, body)
        try:
            head, payload = await a.conn.request(raw)
        except HttpError as exc:
            out.errors[f"submit:transport:{exc}"[:80]] += 1
            await asyncio.sleep(0.05)
            await self.fetch_next(a, out)
            return 0
        if head.status != 200:
            out.errors[error_key("submit", head.status, payload)] += 1
            await asyncio.sleep(0.05)
            await self.fetch_next(a, out)
            return 0
        answer = loads(payload)
        out.acked.append((a.user_id, client_id, int(answer["judgment_id"])))
        if resend:
            await self._resend(a, raw, answer, out)
        after = answer.get("next")
        if after is not None:
            a.task = after["task"]
            return 1
        return 2 if await self.fetch_next(a, out) else 0

    async def _resend(self, a: Annotator, raw: bytes, first: dict[str, Any], out: PhaseLog) -> None:
        out.resends += 1
        try:
            head, payload = await a.conn.request(raw)
        except HttpError as exc:
            out.errors[f"resend:transport:{exc}"[:80]] += 1
            return
        if head.status != 200:
            out.errors[error_key("resend", head.status, payload)] += 1
            return
        again = loads(payload)
        same_next = (first.get("next") or {}).get("task") or {}
        again_next = (again.get("next") or {}).get("task") or {}
        if again["judgment_id"] != first["judgment_id"] or same_next.get(
            "assignment_id"
        ) != again_next.get("assignment_id"):
            out.resend_mismatches += 1


async def closed_loop(
    loop: Loop,
    annotators: list[Annotator],
    start: float,
    warmup: float,
    end: float,
    resend_rate: float,
) -> PhaseLog:
    """Each annotator steps with no think time from ``start`` until ``end``; during the
    warm-up, a share of submits is re-sent to check that the resend answers the same."""
    out = PhaseLog()

    async def one(a: Annotator) -> None:
        if a.task is None and not await loop.fetch_next(a, out):
            return
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        while (t0 := time.monotonic()) < end:
            if a.task is None:
                out.exhausted += 1
                return
            resend = t0 < start + warmup and a.rng.random() < resend_rate
            trips = await loop.step(a, out, resend=resend)
            if trips:
                out.steps.append((t0, time.monotonic(), trips))

    await asyncio.gather(*(one(a) for a in annotators))
    return out


def open_loop_schedule(
    count: int, rate: float, start: float, end: float, jitter: float, rng: random.Random
) -> list[list[float]]:
    """Per annotator, the send times in [start, end): each sends every ``count / rate`` s
    (± ``jitter`` of that, uniformly), from a random phase, whatever the server's speed."""
    period = count / rate
    schedules = []
    for _ in range(count):
        t = start + rng.uniform(0, period)
        times = []
        while t < end:
            times.append(t)
            t += period * rng.uniform(1 - jitter, 1 + jitter)
        schedules.append(times)
    return schedules


async def open_loop(
    loop: Loop, annotators: list[Annotator], schedules: list[list[float]], deadline: float
) -> PhaseLog:
    """Each annotator sends at its scheduled times (later only while its previous step has not
    finished: one connection, one task at a time, as a person); a step's latency is counted
    from its scheduled time."""
    out = PhaseLog(deadline=deadline)

    async def one(a: Annotator, times: list[float]) -> None:
        if a.task is None and not await loop.fetch_next(a, out):
            return
        for i, scheduled in enumerate(times):
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            if time.monotonic() > deadline:
                out.unsent += times[i:]
                return
            if a.task is None:
                out.exhausted += 1
                out.unsent += times[i:]
                return
            trips = await loop.step(a, out)
            if trips:
                out.steps.append((scheduled, time.monotonic(), trips))

    await asyncio.gather(*(one(a, t) for a, t in zip(annotators, schedules, strict=False)))
    return out


def session_headers(session: str, csrf: str) -> bytes:
    return (
        f"Cookie: prefhub_session={session}; prefhub_csrf={csrf}\r\nX-CSRF-Token: {csrf}\r\n"
    ).encode()


async def log_in(
    host: str, port: int, sessions: list[dict[str, Any]]
) -> tuple[list[Annotator], dict[str, Any]]:
    """Annotators with their sessions; the first (who has none) signs in over HTTP, and every
    session is checked with one GET /next before the clock starts (a few at a time)."""
    annotators = []
    for i, s in enumerate(sessions):
        headers = session_headers(s["session"], s["csrf"]) if s["session"] else b""
        rng = random.Random(f"annotator-{i}")
        annotators.append(Annotator(i, Connection(host, port), headers, s["user_id"], rng))
    first = annotators[0]
    if not first.headers:
        body = dumps({"email": annotator_email(0), "password": PASSWORD})
        head, payload = await first.conn.request(
            build_request("POST", "/api/auth/login", f"{host}:{port}", body=body)
        )
        if head.status != 200:
            raise RuntimeError(f"login failed: {error_key('login', head.status, payload)}")
        first.headers = session_headers(
            head.cookies["prefhub_session"], head.cookies["prefhub_csrf"]
        )
    loop, limit, check = Loop(f"{host}:{port}"), asyncio.Semaphore(8), PhaseLog()

    async def first_task(a: Annotator) -> None:
        async with limit:
            await loop.fetch_next(a, check)

    t0 = time.monotonic()
    await asyncio.gather(*(first_task(a) for a in annotators))
    ready = {"first_tasks_s": round(time.monotonic() - t0, 1), "errors": dict(check.errors)}
    return annotators, ready


async def _loadgen(base: str, sessions: list[dict[str, Any]], pipe: Any) -> None:
    host, port = base.removeprefix("http://").split(":")
    loop = Loop(f"{host}:{port}")
    annotators, ready = await log_in(host, int(port), sessions)
    pipe.send(("ready", ready))
    aio = asyncio.get_running_loop()
    while True:
        command = await aio.run_in_executor(None, pipe.recv)
        if command["kind"] == "stop":
            break
        start, warmup, end = command["start"], command["warmup"], command["end"]
        group = annotators[: command["annotators"]]
        if command["kind"] == "capacity":
            out = await closed_loop(loop, group, start, warmup, end, command["resend_rate"])
        else:
            rng = random.Random(command["seed"])
            schedules = open_loop_schedule(
                len(group), command["rate"], start, end, command["jitter"], rng
            )
            out = await open_loop(loop, group, schedules, command["deadline"])
        reconnects = sum(a.conn.reconnects for a in annotators)
        pipe.send(("done", dict(vars(out)) | {"reconnects": reconnects}))
    for a in annotators:
        a.conn.close()


def _loadgen_process(base: str, sessions: list[dict[str, Any]], pipe: Any) -> None:
    try:
        import uvloop

        runner: Callable[..., Any] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    try:
        runner(_loadgen(base, sessions, pipe))
    except BaseException as exc:
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
        raise


# ---------------------------------------------------------------- CPU accounting


class CpuWatch:
    """CPU seconds per group over a window, from ``/proc``: polled every ``interval`` s so that
    processes ending inside the window (PostgreSQL backends of closed pool connections) are
    counted up to their last sample."""

    GROUPS = ("api", "loadgen", "bench", "postgres_run", "postgres_shared", "postgres_other")

    def __init__(
        self, server_pid: int, loadgen_pid: int, pg_name: str | None, interval: float = 0.5
    ):
        self.server_pid, self.loadgen_pid, self.pg_name = server_pid, loadgen_pid, pg_name
        self.interval = interval
        self.titles: dict[int, str] = {}
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.t0 = self.reaped0 = self.machine0 = 0.0
        self.loadavg0: list[float] = []

    def _postgres_group(self, pid: int) -> str:
        title = self.titles.get(pid)
        if title is None:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                title = ""
            self.titles[pid] = title
        if self.pg_name is not None and self.pg_name in title.split():
            return "postgres_run"
        if "(" in title or "[local]" in title or "autovacuum worker" in title:
            return "postgres_other"
        return "postgres_shared"

    def _sample(self) -> tuple[dict[int, tuple[str, float]], float, float]:
        procs = all_procs()
        server = process_tree([self.server_pid], procs)
        seen: dict[int, tuple[str, float]] = {}
        reaped = 0.0
        for pid, (name, ppid, cpu, children) in procs.items():
            if pid in server:
                seen[pid] = ("api", cpu)
            elif pid == self.loadgen_pid:
                seen[pid] = ("loadgen", cpu)
            elif pid == os.getpid():
                seen[pid] = ("bench", cpu)
            elif name.startswith("postgres"):
                seen[pid] = (self._postgres_group(pid), cpu)
                if not procs.get(ppid, ("",))[0].startswith("postgres"):
                    reaped += children  # the postmaster: backends that exited live on in it
        return seen, reaped, machine_busy()

    def start(self) -> None:
        self.first, self.reaped0, self.machine0 = self._sample()
        self.t0 = time.monotonic()
        self.last = dict(self.first)
        self.loadavg0 = loadavg()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self.last.update(self._sample()[0])

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        seen, reaped1, machine1 = self._sample()
        seconds = time.monotonic() - self.t0
        self.last.update(seen)
        used = dict.fromkeys(self.GROUPS, 0.0)
        for pid, (group, cpu) in self.last.items():
            used[group] += cpu - self.first.get(pid, (group, 0.0))[1]
        postgres_live = sum(
            cpu - self.first.get(pid, (g, 0.0))[1]
            for pid, (g, cpu) in seen.items()
            if g.startswith("postgres")
        )
        used["postgres_all"] = postgres_live + reaped1 - self.reaped0
        used["machine"] = machine1 - self.machine0
        ours = ["api", "loadgen", "bench"]
        if self.pg_name is not None:  # on SQLite, PostgreSQL works for someone else
            ours += ["postgres_run", "postgres_shared"]
        used["other"] = used["machine"] - sum(used[k] for k in ours)
        return {
            "seconds": seconds,
            "cpu_s": used,
            "loadavg_before": self.loadavg0,
            "loadavg_after": loadavg(),
        }


def loadavg() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


# ---------------------------------------------------------------- summaries


def latency_ms(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": round(max(values), 2) if values else None,
    }


def summarise_phase(
    kind: str, out: dict[str, Any], cpu: dict[str, Any], lo: float, hi: float, postgres: bool
) -> dict[str, Any]:
    """``judgments``: steps that ended in the window (the work the CPU figures divide). The
    latency of a closed loop is over those; of an open loop, over the steps *scheduled* in the
    window, each from its scheduled time to its end however late, and those never sent before
    the deadline at the deadline (then the percentiles are lower bounds)."""
    steps = out["steps"]
    done = [s for s in steps if lo <= s[1] < hi]
    n = len(done)
    if kind == "capacity":
        latencies = [(t1 - t0) * 1000 for t0, t1, _ in done]
        unsent = []
    else:
        latencies = [(t1 - t0) * 1000 for t0, t1, _ in steps if lo <= t0 < hi]
        unsent = [t for t in out["unsent"] if lo <= t < hi]
        latencies += [(out["deadline"] - t) * 1000 for t in unsent]
    trips = Counter(s[2] for s in done)
    cpu_s = cpu["cpu_s"]
    per_judgment = {
        k: round(cpu_s[k] * 1000 / n, 2) if n else None
        for k in ("api", "postgres_run", "postgres_shared", "postgres_all", "loadgen")
    }
    if postgres:
        pg = cpu_s["postgres_run"] + cpu_s["postgres_shared"]
        per_judgment["postgres"] = round(pg * 1000 / n, 2) if n else None
    else:
        for k in ("postgres_run", "postgres_shared", "postgres_all"):
            del per_judgment[k]
    cores = {k: round(v / cpu["seconds"], 2) for k, v in cpu_s.items()}
    summary: dict[str, Any] = {
        "judgments": n,
        "judgments_per_s": round(n / (hi - lo), 1),
        "submit_and_next_ms": latency_ms(latencies),
    }
    if kind == "open_loop":
        summary["scheduled_in_window"] = len(latencies)
        summary["never_sent"] = len(unsent)
        summary["latency_lower_bound"] = bool(unsent)
    return summary | {
        "round_trips": dict(sorted(trips.items())),
        "cpu_ms_per_judgment": per_judgment,
        "cores": cores,
        "loadavg_before": cpu["loadavg_before"],
        "loadavg_after": cpu["loadavg_after"],
        "errors": out["errors"],
        "exhausted": out["exhausted"],
        "reconnects": out["reconnects"],
    }


# ---------------------------------------------------------------- audit


@dataclass
class Audit:
    over_assigned: int
    lost: int
    duplicated_judgments: int
    duplicated_assignments: int
    duplicates_by: dict[str, int]
    unacknowledged: int
    counter_mismatches: int
    judgments_in_db: int
    open_leases: int


def audit_rows(
    items: list[tuple[int, int, int]],
    judgments: list[Any],
    assignments: list[tuple[int, int, str]],
    redundancy: int,
    acked: list[tuple[int, str, int]],
) -> Audit:
    """``items``: (id, assigned_count, judgment_count); ``judgments``: rows with id,
    client_id, assignment_id, item_id, annotator_id, supersedes_id; ``assignments``: (item id,
    annotator id, status); ``acked``: (user, client id, judgment id) of every 200 submit."""
    judged = Counter(row.item_id for row in judgments)
    leased: Counter[int] = Counter()
    submitted: Counter[int] = Counter()
    per_pair = Counter((item_id, annotator_id) for item_id, annotator_id, _ in assignments)
    for item_id, _, status in assignments:
        if status == "leased":
            leased[item_id] += 1
        elif status == "submitted":
            submitted[item_id] += 1
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
    duplicated_assignments = sum(n - 1 for n in per_pair.values() if n > 1)
    duplicates_by["assignment_item_annotator"] = duplicated_assignments

    stored = {row.id: (row.annotator_id, row.client_id) for row in judgments}
    acked_keys = {(user, client_id) for user, client_id, _ in acked}
    lost = sum(1 for user, cid, jid in acked if stored.get(jid) != (user, cid))
    unacknowledged = sum(1 for key in stored.values() if key not in acked_keys)
    return Audit(
        over_assigned=over_assigned,
        lost=lost,
        duplicated_judgments=len(extra),
        duplicated_assignments=duplicated_assignments,
        duplicates_by=duplicates_by,
        unacknowledged=unacknowledged,
        counter_mismatches=mismatches,
        judgments_in_db=len(judgments),
        open_leases=sum(leased.values()),
    )


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
                    "SELECT item_id, annotator_id, status FROM assignments WHERE campaign_id = :c"
                ),
                params,
            ).all()
    finally:
        engine.dispose()
    return audit_rows(
        [tuple(r) for r in items],
        list(judgments),
        [(r.item_id, r.annotator_id, str(r.status)) for r in assignments],
        redundancy,
        acked,
    )


# ---------------------------------------------------------------- one run


@dataclass
class LoadGenerator:
    """The load generator process and its pipe."""

    process: Any
    pipe: Any

    def ask(self, command: dict[str, Any], timeout: float) -> Any:
        self.pipe.send(command)
        return self.answer(timeout)

    def answer(self, timeout: float) -> Any:
        if not self.pipe.poll(timeout):
            raise RuntimeError("the load generator did not answer")
        message = self.pipe.recv()
        if message[0] == "error":
            raise RuntimeError(f"the load generator failed: {message[1]}")
        return message


def run_phase(
    config: Config, kind: str, loadgen: LoadGenerator, watch: CpuWatch
) -> tuple[dict[str, Any], list[tuple[int, str, int]]]:
    # A moment for every annotator to hold a task before the clock starts.
    start = time.monotonic() + 3.0
    lo, hi = start + config.warmup, start + config.warmup + config.seconds
    annotators = config.annotators if kind == "capacity" else config.open_annotators
    command = {
        "kind": kind,
        "annotators": annotators,
        "start": start,
        "warmup": config.warmup,
        "end": hi,
        "resend_rate": config.resend_rate,
        "rate": config.open_rate,
        "jitter": config.jitter,
        "seed": config.seed,
        # An overloaded server's backlog is cut off here (what is left counts as this late).
        "deadline": hi + max(10.0, config.seconds),
    }
    loadgen.pipe.send(command)
    time.sleep(max(0.0, lo - time.monotonic()))
    watch.start()
    time.sleep(max(0.0, hi - time.monotonic()))
    cpu = watch.finish()
    _, out = loadgen.answer(timeout=180)
    summary = summarise_phase(kind, out, cpu, lo, hi, config.database == "postgresql")
    summary = {"annotators": annotators} | summary
    if kind == "open_loop":
        summary |= {"offered_per_s": config.open_rate}
    summary |= {"idempotent_resends": out["resends"], "resend_mismatches": out["resend_mismatches"]}
    return summary, [tuple(a) for a in out["acked"]]


def run(config: Config) -> dict[str, Any]:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workdir = Path(tempfile.mkdtemp(prefix=f"prefhub-bench-{config.database}-"))
    pg_name: str | None = None
    api_processes = config.api_processes or serve_default_workers()
    try:
        if config.database == "postgresql":
            try:
                pg_name, url = create_postgres_database("prefhub_bench_assign")
            except Exception as exc:
                return {"database": "postgresql", "skipped": f"PostgreSQL unreachable: {exc}"}
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        env = prefhub_env(url, workdir)
        log(f"{config.database}: migrating {url}")
        migrate(env, workdir)
        log(f"{config.database}: seeding {config.users} annotators, {config.items} items")
        t0 = time.monotonic()
        sessions = seed(env, config, workdir)
        seed_s = time.monotonic() - t0
        server_args = [] if config.api_processes is None else ["--workers", str(api_processes)]
        phases: dict[str, Any] = {}
        acked: list[tuple[int, str, int]] = []
        with prefhub_server(
            env, workdir, server_args, api_processes, access_log=config.access_log
        ) as (base, server_pid):
            log(f"{config.database}: server up at {base}, {api_processes} API process(es)")
            parent, child = mp.get_context("spawn").Pipe()
            process = mp.get_context("spawn").Process(
                target=_loadgen_process, args=(base, sessions, child), daemon=True
            )
            process.start()
            loadgen = LoadGenerator(process, parent)
            try:
                _, ready = loadgen.answer(timeout=600)
                log(f"{config.database}: {config.users} annotators hold a task ({ready})")
                if ready["errors"]:
                    raise RuntimeError(f"first GET /next failed: {ready['errors']}")
                watch = CpuWatch(server_pid, process.pid, pg_name)
                for kind in ("capacity", "open_loop"):
                    if kind in config.phases:
                        log(f"{config.database}: {kind} phase")
                        phases[kind], phase_acked = run_phase(config, kind, loadgen, watch)
                        acked += phase_acked
                        log(f"{config.database}: {kind}: {json.dumps(phases[kind])}")
                        watch = CpuWatch(server_pid, process.pid, pg_name)
                loadgen.pipe.send({"kind": "stop"})
                process.join(timeout=30)
            finally:
                if process.is_alive():
                    process.terminate()
                    process.join()
        log(f"{config.database}: auditing")
        checked = audit(url, config.redundancy, acked)
        round_trips = Counter[int]()
        for phase in phases.values():
            round_trips.update({int(k): v for k, v in phase["round_trips"].items()})
        targets = TARGETS[config.database]
        met = {}
        if "capacity" in phases:
            met["capacity"] = phases["capacity"]["judgments_per_s"] >= targets["capacity_per_s"]
        if "open_loop" in phases:
            p99 = phases["open_loop"]["submit_and_next_ms"]["p99"]
            met["open_loop_p99"] = p99 is not None and p99 < targets["open_loop_p99_ms"]
        met["audit"] = (
            checked.over_assigned == checked.lost == 0
            and checked.duplicated_judgments == checked.duplicated_assignments == 0
        )
        return {
            "bench": "assignment",
            "database": config.database,
            "started": started,
            "round_trips_per_judgment": max(round_trips) if round_trips else None,
            "api_processes": api_processes,
            "access_log": config.access_log,
            "capacity": phases.get("capacity"),
            "open_loop": phases.get("open_loop"),
            "audit": vars(checked),
            "targets": targets,
            "met": met,
            "window_s": config.seconds,
            "warmup_s": config.warmup,
            "items": config.items,
            "redundancy": config.redundancy,
            "nproc": os.cpu_count(),
            "seed_s": round(seed_s, 1),
            "first_tasks_s": ready["first_tasks_s"],
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
    failed = False
    for config in parse_args(argv):
        try:
            line = run(config)
        except Exception as exc:
            log(f"{config.database}: failed: {type(exc).__name__}: {exc}")
            line = {"database": config.database, "error": f"{type(exc).__name__}: {exc}"}
            failed = True
        failed = failed or not line.get("met", {}).get("audit", True)
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
