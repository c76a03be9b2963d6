"""Test environment: a fresh database (SQLite file or PostgreSQL), migrated once per run.

``PREFHUB_TEST_DB`` picks the database (``sqlite``, the default, or ``postgresql``).
A test that needs a service that is not running skips with the reason printed, unless
``PREFHUB_REQUIRE_SERVICES`` names it (``.ci/run`` sets ``postgresql,redis,browser,trl``),
in which case it fails.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from support.api import login, make_user
from support.services import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    require_or_skip,
)

TEST_DB = os.environ.get("PREFHUB_TEST_DB", "sqlite")
RUN_DIR = Path(tempfile.mkdtemp(prefix="prefhub-test-"))
_pg_database: str | None = None
_db_unavailable: str | None = None

if TEST_DB == "postgresql":
    _pg_database = f"prefhub_test_{uuid.uuid4().hex[:10]}"
    try:
        _database_url = create_postgres_database(_pg_database)
    except Exception as exc:  # the server is not there: skip or fail below
        _db_unavailable = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc}"
        _pg_database = None
        _database_url = f"sqlite:///{RUN_DIR / 'unused.db'}"
elif TEST_DB == "sqlite":
    _database_url = f"sqlite:///{RUN_DIR / 'prefhub.db'}"
else:
    raise SystemExit(f"PREFHUB_TEST_DB must be sqlite or postgresql, not {TEST_DB!r}")

# Set before anything imports prefhub: settings and the Celery app read them once.
os.environ.update(
    {
        "PREFHUB_ENVIRONMENT": "test",
        "PREFHUB_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "PREFHUB_DATABASE_URL": _database_url,
        "PREFHUB_EXPORT_ROOT": str(RUN_DIR / "exports"),
        "PREFHUB_DATA_DIR": str(RUN_DIR / "data"),
        "PREFHUB_CELERY_QUEUE_PREFIX": f"prefhub-test-{uuid.uuid4().hex[:8]}",
        # The fake model servers listen on loopback: allowed as an admin allows a local vLLM.
        # Tests of the egress policy itself set their own list.
        "PREFHUB_EGRESS_ALLOW": "127.0.0.1",
        "PREFHUB_MODEL_SECRET_HOSTS": json.dumps(
            {"FAKE_KEY": ["127.0.0.1"], "ELSEWHERE": ["api.example.org"]}
        ),
        "PREFHUB_LOCAL_MODELS_ROOT": tempfile.gettempdir(),
    }
)
os.environ.pop("PREFHUB_REDIS_URL", None)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"prefhub test database: {TEST_DB} ({os.environ['PREFHUB_DATABASE_URL']})"]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _pg_database:
        from prefhub.kit.db import reset_engine_cache

        reset_engine_cache()
        drop_postgres_database(_pg_database)


@pytest.fixture(scope="session")
def database_url() -> str:
    if _db_unavailable:
        require_or_skip("postgresql", _db_unavailable)
    return os.environ["PREFHUB_DATABASE_URL"]


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    """Migrate the test database once, with the same Alembic chain production uses."""
    from alembic import command

    from prefhub.cli.main import alembic_config

    command.upgrade(alembic_config(), "head")
    return database_url


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return RUN_DIR


@pytest.fixture
def db(migrated: str):  # type: ignore[no-untyped-def]
    """A unit of work for arranging data directly; it commits when the test's block ends."""
    from prefhub.kit.db import unit_of_work

    return unit_of_work


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


# 198.18.0.0/15 is set aside for tests (RFC 2544).
_CLIENT_ADDRESSES = (str(ipaddress.IPv4Address("198.18.0.0") + i) for i in itertools.count(1))


@pytest.fixture
def new_client(migrated: str) -> Iterator[Callable[[], TestClient]]:
    """Make independent browser-like clients (each with its own cookie jar)."""
    from prefhub.app import create_app

    app = create_app()
    clients: list[TestClient] = []

    def make() -> TestClient:
        # Each browser at an address of its own, as on the internet: login throttling counts
        # failures per address, and one shared address would let tests lock each other out.
        client = TestClient(
            app, raise_server_exceptions=False, client=(next(_CLIENT_ADDRESSES), 50000)
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def as_user(new_client, db, unique) -> Callable[..., TestClient]:  # type: ignore[no-untyped-def]
    """``as_user("researcher")`` → a logged-in client for a new user with that role."""
    counter = iter(range(1000))

    def make(role: str = "annotator", name: str | None = None) -> TestClient:
        email = f"{name or role}-{unique}-{next(counter)}@example.org"
        client = new_client()
        client.user_id = make_user(db, email, role)  # type: ignore[attr-defined]
        client.email = email  # type: ignore[attr-defined]
        login(client, email)
        return client

    return make
