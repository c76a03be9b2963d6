"""Helpers the benchmark scripts share: a throwaway PostgreSQL database, the ``prefhub``
command and a ``prefhub serve`` process, and CPU accounting from ``/proc``.

The scripts run as ``python bench/<name>.py``, so this module is imported as ``_common``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "PREFHUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")

ProcStat = tuple[str, int, float, float]


# ---------------------------------------------------------------- database


def create_postgres_database(prefix: str) -> tuple[str, str]:
    """A uniquely named database; returns its name and its SQLAlchemy URL."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, sqlalchemy_url(name)


def sqlalchemy_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def libpq_url(name: str) -> str:
    return f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_database(
    database: str, prefix: str, *, keep: bool = False
) -> Iterator[tuple[Path, str]]:
    """A temp dir and a new database for one run (``database``: ``postgresql``, a uniquely
    named one on the server; ``sqlite``, a file in the temp dir): yields both, the database's
    SQLAlchemy URL second, and removes them afterwards unless ``keep``."""
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}-{database}-"))
    name = None
    try:
        if database == "postgresql":
            name, url = create_postgres_database(prefix.replace("-", "_"))
        else:
            url = f"sqlite:///{workdir / 'prefhub.db'}"
        yield workdir, url
    finally:
        if name and not keep:
            drop_postgres_database(name)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def postgres_version() -> str | None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


# ---------------------------------------------------------------- prefhub


def prefhub_command() -> list[str]:
    script = Path(sys.executable).with_name("prefhub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "prefhub.cli"]


def prefhub_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Settings of one run: its database, a fresh secret, folders in its temp dir; ``extra``
    adds ``PREFHUB_<NAME>`` settings."""
    return {
        "PREFHUB_DATABASE_URL": database_url,
        "PREFHUB_ENVIRONMENT": "test",
        "PREFHUB_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "PREFHUB_DATA_DIR": str(workdir / "data"),
        "PREFHUB_EXPORT_ROOT": str(workdir / "exports"),
    } | {f"PREFHUB_{name.upper()}": value for name, value in extra.items()}


def run_prefhub(env: dict[str, str], workdir: Path, *args: str) -> None:
    """``prefhub ARGS`` with the run's settings, its output discarded; raises if it fails."""
    subprocess.run(
        [*prefhub_command(), *args],
        env={**os.environ, **env},
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def migrate(env: dict[str, str], workdir: Path) -> None:
    run_prefhub(env, workdir, "db", "upgrade")


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM the process group we started (start_new_session), then SIGKILL if need be."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def prefhub_server(
    env: dict[str, str],
    workdir: Path,
    extra_args: Sequence[str] = (),
    workers: int = 1,
    *,
    access_log: bool = False,
) -> Iterator[tuple[str, int]]:
    """``prefhub serve --no-embedded-worker --no-access-log`` (``access_log``: with the CLI's
    default access log) on a free port, logging to ``workdir/server.log``; yields its base URL
    and pid once ``/api/health`` answers and its ``workers`` API processes are up; stops it
    afterwards."""
    import httpx

    port = free_port()
    server_log = workdir / "server.log"
    args = ["serve", "--port", str(port), "--no-embedded-worker"]
    args += [*([] if access_log else ["--no-access-log"]), *extra_args]
    with server_log.open("ab") as out:
        process = subprocess.Popen(
            [*prefhub_command(), *args],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {server_log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {server_log.read_text()[-3000:]}")
            time.sleep(0.2)
        # Every uvicorn worker must be up before the load starts.
        wait_for_workers(process.pid, workers)
        yield base, process.pid
    finally:
        stop_process(process)


def wait_for_workers(root: int, workers: int) -> None:
    if workers <= 1:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # uvicorn's supervisor also spawns a resource tracker; count python children.
        if len(process_tree([root])) - 1 >= workers:
            time.sleep(1.0)
            return
        time.sleep(0.2)


# ---------------------------------------------------------------- CPU accounting (/proc)


def proc_stat(pid: int) -> ProcStat | None:
    """(command, parent pid, CPU seconds, CPU seconds of its reaped children), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return name, int(fields[1]), own, children


def all_procs() -> dict[int, ProcStat]:
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))) is not None:
            procs[int(entry)] = stat
    return procs


def process_tree(roots: Iterable[int], procs: dict[int, ProcStat] | None = None) -> set[int]:
    """The live ``roots`` and all their descendants."""
    procs = procs if procs is not None else all_procs()
    found = set(roots) & set(procs)
    frontier = set(found)
    while frontier:
        frontier = {pid for pid, (_, ppid, _, _) in procs.items() if ppid in frontier} - found
        found |= frontier
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def postgres_cpu(procs: dict[int, ProcStat]) -> float:
    """CPU seconds of every ``postgres`` process, backends of closed connections included."""
    total = 0.0
    for name, ppid, cpu, reaped in procs.values():
        if name.startswith("postgres"):
            total += cpu
            if not procs.get(ppid, ("",))[0].startswith("postgres"):
                total += reaped  # the postmaster: backends that exited live on in it
    return total


def cpu_cores(
    before: dict[str, float], after: dict[str, float], seconds: float
) -> dict[str, float]:
    """Average cores used per group over a window (the machine has ``nproc`` of them), from
    two snapshots that hold ``machine`` (``machine_busy``) beside the groups; ``other`` is the
    machine's busy time no group accounts for."""
    used = {k: (after[k] - before[k]) / seconds for k in before}
    used["other"] = used["machine"] - sum(v for k, v in used.items() if k != "machine")
    return {k: round(v, 2) for k, v in used.items()}


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0.1 steps), interpolated; None without values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1], 2)
