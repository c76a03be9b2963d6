"""The framework's cost of one request: CPU of one ``prefhub serve`` API process per request to
``GET /api/health`` (no database, no session), with the access log on and off.

Starts ``prefhub serve --workers 1 --no-embedded-worker`` on SQLite (the endpoint reads
nothing, so the database does not matter), sends ``--warmup`` then ``--requests`` requests one
after another over one raw HTTP/1.1 keep-alive connection, and reads the server process's
utime + stime from ``/proc/<pid>/stat`` before and after. Variants alternate for ``--rounds``
rounds so the machine's other load falls on each alike. One JSON line per variant and round.

``.venv/bin/python bench/request_overhead.py``
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import time
from pathlib import Path

from _common import machine_busy, migrate, prefhub_env, prefhub_server, proc_stat

REQUEST = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _loadavg() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def _send(sock: socket.socket, n: int) -> None:
    """``n`` requests one after another, each response read whole before the next."""
    buffer = b""
    for _ in range(n):
        sock.sendall(REQUEST)
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
                        raise RuntimeError(head.decode(errors="replace"))
                    buffer = rest[length:]
                    break
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the connection")
            buffer += chunk


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="prefhub-bench-overhead-"))
    env = prefhub_env(f"sqlite:///{workdir / 'bench.db'}", workdir)
    migrate(env, workdir)
    for _ in range(args.rounds):
        for access_log in (True, False):
            print(json.dumps(measure(env, workdir, access_log, args)), flush=True)


if __name__ == "__main__":
    main()
