"""Fixtures of the process tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from support.services import create_postgres_database, drop_postgres_database, require_or_skip


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of its own, whatever PREFHUB_TEST_DB says (``serve`` runs
    several API processes only on PostgreSQL)."""
    from alembic import command

    from prefhub.cli.main import alembic_config

    name = f"prefhub_procs_{uuid.uuid4().hex[:10]}"
    try:
        url = create_postgres_database(name)
    except Exception as exc:
        require_or_skip("postgresql", f"PostgreSQL is not reachable: {exc}")
    try:
        config = alembic_config()
        config.attributes["database_url"] = url
        command.upgrade(config, "head")
        yield url
    finally:
        drop_postgres_database(name)
