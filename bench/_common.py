"""Helpers the benchmark scripts share: a throwaway PostgreSQL database, the ``prefhub``
command, and CPU accounting from ``/proc``.

The scripts run as ``python bench/<name>.py``, so this module is imported as ``_common``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
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


def migrate(env: dict[str, str], workdir: Path) -> None:
    subprocess.run(
        [*prefhub_command(), "db", "upgrade"],
        env={**os.environ, **env},
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )


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
