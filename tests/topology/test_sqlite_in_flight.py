"""How many API requests one ``prefhub serve`` works on at once on SQLite: pool + overflow, as
on PostgreSQL (kit/limits.py). SQLite's single write lock serialises the writes, not the cap:
a request waiting for that lock must not stall requests that need no database."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from support.processes import api_server


def _migrated_sqlite(path: Path) -> str:
    from alembic import command

    from prefhub.cli.main import alembic_config

    url = f"sqlite:///{path}"
    config = alembic_config()
    config.attributes["database_url"] = url
    command.upgrade(config, "head")
    return url


def test_on_sqlite_requests_waiting_for_the_write_lock_hold_only_their_own_slots(run_dir, unique):
    path = run_dir / f"in-flight-{unique}.db"
    env = {
        "PREFHUB_DATABASE_URL": _migrated_sqlite(path),
        "PREFHUB_DATA_DIR": str(run_dir / f"in-flight-{unique}"),
        # Three requests in flight per process.
        "PREFHUB_DB_POOL_SIZE": "2",
        "PREFHUB_DB_MAX_OVERFLOW": "1",
    }
    answers: list[int] = []

    def stuck_login(base: str) -> None:
        # Any request that opens a transaction waits for the write lock (BEGIN IMMEDIATE).
        body = {"email": f"nobody-{unique}@example.org", "password": "not the password"}
        answers.append(httpx.post(f"{base}/api/auth/login", json=body, timeout=60).status_code)

    with api_server(env, run_dir / f"in-flight-{unique}.log", ["--no-embedded-worker"]) as base:
        holder = sqlite3.connect(path, isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")  # another process writing, e.g. a worker's import
        try:
            logins = [threading.Thread(target=stuck_login, args=(base,)) for _ in range(3)]
            for login in logins[:2]:
                login.start()
            time.sleep(3)
            assert _health(base, timeout=8), "two requests waiting for the lock stalled a third"
            logins[2].start()
            time.sleep(3)
            assert not _health(base, timeout=2), "a fourth request ran beside three in flight"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for login in logins:
            login.join(timeout=60)
        assert answers == [401, 401, 401]
        assert httpx.get(f"{base}/api/health", timeout=10).status_code == 200


def _health(base: str, timeout: float) -> bool:
    try:
        return httpx.get(f"{base}/api/health", timeout=timeout).status_code == 200
    except httpx.TimeoutException:
        return False
