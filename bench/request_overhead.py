"""The framework's cost of one request: CPU of one API process per request, read from
``/proc/<pid>/stat`` (utime + stime) before and after requests sent one after another over one
raw HTTP/1.1 keep-alive connection. Variants alternate for ``--rounds`` rounds so the machine's
other load falls on each alike. One JSON line per variant and round.

``--endpoint health`` (the default): ``GET /api/health`` (no database, no session) of
``prefhub serve --workers 1 --no-embedded-worker`` on SQLite, with the access log on and off.

``--endpoint loop``: the annotator's loop on a seeded SQLite campaign, ``GET /next`` (the held
task again) then ``POST /submit`` with ``"next": true`` (one round trip per judgment, a real
answer each time), served three ways: ``prefhub serve`` as users start it (access log on) with
the loop lane (assignments/loop_lane.py), the same with ``PREFHUB_LOOP_LANE=0`` (FastAPI's
routing, dependency solving and body handling), and ``floor``: uvicorn serving a bare ASGI
callable that calls the same endpoint functions with no middleware at all, the least any
server of this work can spend. Each line says whether the server process runs uvloop and
httptools (from its memory maps).

``.venv/bin/python bench/request_overhead.py [--endpoint loop]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import (
    free_port,
    machine_busy,
    migrate,
    prefhub_env,
    prefhub_server,
    proc_stat,
    stop_process,
)

REQUEST = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _loadavg() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def _exchange(sock: socket.socket, request: bytes, buffer: bytes) -> tuple[bytes, bytes, bytes]:
    """Send ``request``, read its whole response: (head, body, bytes already past it)."""
    sock.sendall(request)
    while True:
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if sep:
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(rest) >= length:
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.decode(errors="replace") + rest[:500].decode())
                return head, rest[:length], rest[length:]
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("server closed the connection")
        buffer += chunk


def _send(sock: socket.socket, n: int) -> None:
    """``n`` requests one after another, each response read whole before the next."""
    buffer = b""
    for _ in range(n):
        _, _, buffer = _exchange(sock, REQUEST, buffer)


def _server_cpu(pid: int) -> float:
    stat = proc_stat(pid)
    assert stat is not None
    return stat[2]


def measure(env: dict[str, str], workdir: Path, access_log: bool, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    with prefhub_server(env, workdir, ["--workers", "1"], 1, access_log=access_log) as (
        base,
        pid,
    ):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _send(sock, args.warmup)
            load_before = _loadavg()
            cpu0, machine0, t0 = _server_cpu(pid), machine_busy(), time.monotonic()
            _send(sock, args.requests)
            cpu1, machine1, t1 = _server_cpu(pid), machine_busy(), time.monotonic()
    server = cpu1 - cpu0
    return {
        "bench": "request_overhead",
        "endpoint": "GET /api/health",
        "access_log": access_log,
        "requests": args.requests,
        "server_cpu_s": round(server, 3),
        "server_cpu_us_per_request": round(server / args.requests * 1e6, 1),
        "wall_us_per_request": round((t1 - t0) / args.requests * 1e6, 1),
        # Busy CPU of the whole machine beside the server (this script included).
        "machine_other_cpu_s": round(machine1 - machine0 - server, 3),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
    }


# ---------------------------------------------------------------- the annotator's loop

LOOP_VARIANTS = ("lane", "framework", "floor")


def floor_app() -> Any:
    """``uvicorn --factory request_overhead:floor_app``: the loop's two routes as a bare ASGI
    callable calling the endpoint functions of assignments/router.py, nothing else around."""
    from starlette.requests import Request

    from prefhub.assignments import router as routes
    from prefhub.assignments.schemas import SubmitRequest
    from prefhub.auth.dependencies import AnnotatorUnit
    from prefhub.kit.db import skip_pre_ping

    skip_pre_ping()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        slug, action = scope["path"].removeprefix("/api/annotate/").split("/")
        unit = AnnotatorUnit(request, slug)
        if action == "next":
            response = await routes.next_task(unit, False)
        else:
            body = SubmitRequest.model_validate_json(await request.body())
            response = await routes.submit(unit, body)
        await response(scope, receive, send)

    return app


@contextlib.contextmanager
def _floor_server(env: dict[str, str], workdir: Path) -> Iterator[tuple[int, int]]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "request_overhead:floor_app"]
    command += ["--app-dir", str(Path(__file__).parent), "--port", str(port)]
    command += ["--no-access-log", "--lifespan", "off", "--log-level", "warning"]
    with (workdir / "floor.log").open("ab") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "floor.log").read_text()[-3000:])
            time.sleep(0.2)
        yield port, process.pid
    finally:
        stop_process(process)


@contextlib.contextmanager
def _loop_server(env: dict[str, str], workdir: Path, variant: str) -> Iterator[tuple[int, int]]:
    if variant == "floor":
        with _floor_server(env, workdir) as served:
            yield served
        return
    lane = {"PREFHUB_LOOP_LANE": "1" if variant == "lane" else "0"}
    with prefhub_server(env | lane, workdir, ["--workers", "1"], 1, access_log=True) as (
        base,
        pid,
    ):
        yield int(base.rsplit(":", 1)[1]), pid


def _runs(pid: int, library: str) -> bool:
    """Whether the process has ``library``'s compiled module loaded (uvloop, httptools)."""
    return library in Path(f"/proc/{pid}/maps").read_text()


def _seed_loop(env: dict[str, str], workdir: Path, items: int) -> dict[str, Any]:
    """A pairwise campaign of ``items`` items (each judged once) and an annotator's session,
    seeded as bench/assignment.py seeds its own."""
    import assignment

    config = assignment.Config(
        database="sqlite",
        annotators=2,
        open_annotators=0,
        open_rate=0.0,
        jitter=0.0,
        seconds=0.0,
        warmup=0.0,
        api_processes=1,
        phases=("capacity",),
        items=items,
        redundancy=1,
        resend_rate=0.0,
        access_log=True,
        seed=1,
        keep=False,
    )
    # The first annotator logs in over HTTP; the second has a session already.
    return assignment.seed(env, config, workdir)[1]


class LoopClient:
    """One annotator on one connection: GET /next, and submit-with-next with a valid answer."""

    def __init__(self, port: int, session: dict[str, Any]) -> None:
        import assignment

        self.assignment = assignment
        self.host = f"127.0.0.1:{port}"
        self.headers = assignment.session_headers(session["session"], session["csrf"])
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.rng = random.Random(0)
        self.path = f"/api/annotate/{assignment.SLUG}"
        self.task = self.next_task()

    def _request(self, method: str, path: str, body: bytes | None = None) -> Any:
        raw = self.assignment.build_request(method, path, self.host, self.headers, body)
        _, payload, self.buffer = _exchange(self.sock, raw, self.buffer)
        return json.loads(payload)

    def next_task(self) -> dict[str, Any]:
        task: dict[str, Any] = self._request("GET", f"{self.path}/next")["task"]
        return task

    def submit_and_next(self) -> None:
        body = {
            "assignment_id": self.task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": self.assignment.answer_for(self.task, self.rng),
            "next": True,
        }
        answer = self._request("POST", f"{self.path}/submit", json.dumps(body).encode())
        self.task = answer["next"]["task"]


def measure_loop(
    env: dict[str, str], workdir: Path, variant: str, session: dict[str, Any], args: Any
) -> list[dict[str, Any]]:
    lines = []
    with _loop_server(env, workdir, variant) as (port, pid):
        client = LoopClient(port, session)
        for _ in range(args.warmup):
            client.submit_and_next()
        for endpoint, step in (
            ("GET next (held task)", client.next_task),
            ("POST submit with next", client.submit_and_next),
        ):
            load_before = _loadavg()
            cpu0, t0 = _server_cpu(pid), time.monotonic()
            for _ in range(args.requests):
                step()
            cpu1, t1 = _server_cpu(pid), time.monotonic()
            lines.append(
                {
                    "bench": "request_overhead",
                    "endpoint": endpoint,
                    "variant": variant,
                    "requests": args.requests,
                    "server_cpu_us_per_request": round((cpu1 - cpu0) / args.requests * 1e6, 1),
                    "wall_us_per_request": round((t1 - t0) / args.requests * 1e6, 1),
                    "uvloop": _runs(pid, "uvloop"),
                    "httptools": _runs(pid, "httptools"),
                    "loadavg_before": load_before,
                    "loadavg_after": _loadavg(),
                }
            )
        client.sock.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--endpoint", choices=["health", "loop"], default="health")
    parser.add_argument("--requests", type=int, default=None, help="2000 health, 500 loop")
    parser.add_argument("--warmup", type=int, default=None, help="300 health, 100 loop")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    loop = args.endpoint == "loop"
    if args.requests is None:
        args.requests = 500 if loop else 2000
    if args.warmup is None:
        args.warmup = 100 if loop else 300
    workdir = Path(tempfile.mkdtemp(prefix="prefhub-bench-overhead-"))
    env = prefhub_env(f"sqlite:///{workdir / 'bench.db'}", workdir)
    migrate(env, workdir)
    if not loop:
        for _ in range(args.rounds):
            for access_log in (True, False):
                print(json.dumps(measure(env, workdir, access_log, args)), flush=True)
        return
    # Every variant's round judges warmup + requests items, each item once.
    judged = args.rounds * len(LOOP_VARIANTS) * (args.warmup + args.requests)
    session = _seed_loop(env, workdir, judged + 10)
    for _ in range(args.rounds):
        for variant in LOOP_VARIANTS:
            for line in measure_loop(env, workdir, variant, session, args):
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
