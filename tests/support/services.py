"""Real services for tests: PostgreSQL, Redis, Chromium, and processes of our own."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "PREFHUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PREFHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
CHROMIUM = os.environ.get("PREFHUB_TEST_CHROMIUM", "/usr/bin/chromium")


def required_services() -> set[str]:
    raw = os.environ.get("PREFHUB_REQUIRE_SERVICES", "")
    return {s.strip() for s in raw.split(",") if s.strip()}


def require_or_skip(service: str, reason: str) -> NoReturn:
    """Skip with the reason printed, or fail when CI says the service must be there."""
    if service in required_services():
        pytest.fail(f"{service} is required here (PREFHUB_REQUIRE_SERVICES) but: {reason}")
    print(f"\nSKIP ({service}): {reason}")
    pytest.skip(reason)


def create_postgres_database(name: str) -> str:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        require_or_skip("redis", f"Redis at {REDIS_URL} is not reachable: {exc}")
    return REDIS_URL


def chromium_or_skip() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        require_or_skip("browser", f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
