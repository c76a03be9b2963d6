"""``prefhub serve`` as users start it: one API process per CPU core on PostgreSQL, one on
SQLite; and its access log, one line per request written by the API processes themselves
(kit/access_log.py), none with ``--no-access-log``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from support.processes import api_server, free_port, wait_for

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts processes and pins cores on Linux"
)


@contextmanager
def _serve(env: dict[str, str], log: Path, cores: set[int]) -> Iterator[tuple[int, str]]:
    """``prefhub serve`` (its defaults, without the embedded worker) allowed to run on
    ``cores`` only; yields its pid and base URL once it answers."""
    port = free_port()
    args = ["serve", "--port", str(port), "--no-embedded-worker"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefhub.cli", *args],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or _answers(base), timeout=90)
        assert process.poll() is None, log.read_text()[-3000:]
        yield process.pid, base
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _api_processes(serve: int) -> list[int]:
    """uvicorn's worker processes under ``serve`` (spawned by multiprocessing; its resource
    tracker is another child, not counted)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{serve}\n" in status and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _two_cores() -> set[int]:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        pytest.skip("needs two CPU cores")
    return set(cores[:2])


def test_serve_on_postgresql_starts_one_api_process_per_core(postgres_url, run_dir, unique):
    env = {"PREFHUB_DATABASE_URL": postgres_url, "PREFHUB_DATA_DIR": str(run_dir / unique)}
    log = run_dir / f"per-core-{unique}.log"
    with _serve(env, log, _two_cores()) as (pid, _):
        wait_for(lambda: len(_api_processes(pid)) >= 2, timeout=60)
        time.sleep(1)  # none more follow
        assert len(_api_processes(pid)) == 2, log.read_text()[-3000:]
    assert "(2 API processes)" in log.read_text()


def test_serve_on_sqlite_serves_from_its_own_process(run_dir, unique):
    env = {
        "PREFHUB_DATABASE_URL": f"sqlite:///{run_dir / f'one-{unique}.db'}",
        "PREFHUB_DATA_DIR": str(run_dir / unique),
    }
    log = run_dir / f"sqlite-one-{unique}.log"
    with _serve(env, log, _two_cores()) as (pid, base):
        assert _answers(base)
        time.sleep(1)
        assert _api_processes(pid) == []
    assert "(1 API process)" in log.read_text()


ACCESS_LINE = re.compile(r'^INFO: +127\.0\.0\.1:\d+ - "(\w+) (\S+) HTTP/1\.1" (\d{3}) [\d.]+ ms$')


def _access_lines(log: Path) -> list[tuple[str, str, str]]:
    return [
        (m[1], m[2], m[3])
        for line in log.read_text(errors="replace").splitlines()
        if (m := ACCESS_LINE.match(line))
    ]


def test_access_log_writes_one_line_per_request_with_its_status(migrated, run_dir, unique):
    log = run_dir / f"access-{unique}.log"
    with api_server({}, log, ["--no-embedded-worker"]) as base:
        assert httpx.get(f"{base}/api/health?secret=1").status_code == 200
        assert httpx.get(f"{base}/api/annotate/{unique}/next").status_code == 401
        expected = [
            ("GET", "/api/health", "200"),
            ("GET", f"/api/annotate/{unique}/next", "401"),
        ]
        # Written once the response has gone: the client may read it first.
        wait_for(lambda: all(e in _access_lines(log) for e in expected), timeout=10)
    text = log.read_text()
    # One line (uvicorn's own access log is off), the query string left out.
    assert text.count(f"/api/annotate/{unique}/next") == 1, text[-3000:]
    assert "secret" not in text


def test_no_access_log_writes_no_line(migrated, run_dir, unique):
    log = run_dir / f"no-access-{unique}.log"
    with api_server({}, log, ["--no-embedded-worker", "--no-access-log"]) as base:
        for _ in range(3):
            assert httpx.get(f"{base}/api/annotate/{unique}/next").status_code == 401
        time.sleep(1)
    assert _access_lines(log) == []
    assert f"/api/annotate/{unique}/next" not in log.read_text()
