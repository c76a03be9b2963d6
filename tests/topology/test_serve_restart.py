"""``prefhub serve`` killed with SIGKILL leaves nothing behind and starts again on its port.

A parent killed that way runs no clean-up: its uvicorn workers and its embedded Celery worker
must notice on their own (prefhub.kit.lifetime), or they keep the port and the restart fails
with "Address already in use".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from support.processes import free_port

# The port is free for a restart this soon after the kill.
PORT_FREE_WITHIN_S = 15


def test_serve_with_workers_killed_by_sigkill_restarts_on_the_same_port(
    postgres_url, run_dir, unique
):
    env = {"PREFHUB_DATABASE_URL": postgres_url, "PREFHUB_DATA_DIR": str(run_dir / unique)}
    # Two uvicorn workers and the embedded Celery worker (no Redis here): three children.
    _kill_and_restart(["--workers", "2"], env, run_dir / f"restart-{unique}.log", children=3)


def test_serve_with_embedded_worker_killed_by_sigkill_restarts_on_the_same_port(
    migrated, run_dir, unique
):
    env = {"PREFHUB_DATA_DIR": str(run_dir / unique)}
    _kill_and_restart([], env, run_dir / f"restart-{unique}.log", children=1)


def _kill_and_restart(args: list[str], env: dict[str, str], log: Path, children: int) -> None:
    port = free_port()
    with _serve(port, args, env, log) as first:
        assert _wait_for_health(port, first, log, timeout=90), _tail(log)
        old = _descendants(first.pid)
        assert len(old) >= children, f"expected {children} children of serve, found {old}"
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        # Its children must let go of the port: orphans would keep serving on it, and a new
        # serve could not bind it ("Address already in use").
        while _accepts(port):
            waited = time.monotonic() - killed_at
            assert waited < PORT_FREE_WITHIN_S, f"port {port} still served by orphans of {old}"
            time.sleep(0.1)
        # Then it starts again there, in its usual time (which a loaded machine stretches).
        with _serve(port, args, env, log) as second:
            assert _wait_for_health(port, second, log, timeout=90), _tail(log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and [p for p in old if _alive(p)]:
            time.sleep(0.2)
        assert not [p for p in old if _alive(p)], f"orphans of the killed serve: {old}"


@contextmanager
def _serve(
    port: int, args: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefhub.cli", "serve", "--port", str(port), *args],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the whole process group, orphans included: a failed test leaves nothing running."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _group_alive(process.pid):
            process.poll()
            time.sleep(0.1)
        if not _group_alive(process.pid):
            break
    process.poll()


def _wait_for_health(port: int, process: subprocess.Popen, log: Path, timeout: float) -> bool:
    """True once /api/health answers; False if ``process`` exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve did not answer within {timeout:.0f} s: {_tail(log)}")


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _proc_status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        ppid = _proc_status(int(entry.name)).get("PPid")
        if ppid is not None:
            parents[int(entry.name)] = int(ppid)
    found: list[int] = []
    frontier = [pid]
    while frontier:
        kids = [child for child, parent in parents.items() if parent == frontier[-1]]
        frontier.pop()
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    return not _proc_status(pid).get("State", "Z").startswith("Z")


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
