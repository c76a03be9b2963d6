"""Start our own processes (API server, worker) the way an operator would."""

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run ``python -m prefhub.cli ARGS`` in its own process group; stop it afterwards."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefhub.cli", *args],
            env=_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def api_server(
    env: dict[str, str], log: Path, extra_args: list[str] | None = None
) -> Iterator[str]:
    with api_server_process(env, log, extra_args) as (base, _):
        yield base


@contextmanager
def api_server_process(
    env: dict[str, str], log: Path, extra_args: list[str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``api_server``, also handing over the server's process (to watch its memory)."""
    port = free_port()
    args = ["serve", "--port", str(port), *(extra_args or [])]
    with running(args, env, log) as process:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, process


def wait_for(predicate, timeout: float = 60, interval: float = 0.25):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s")
