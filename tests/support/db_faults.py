"""Real database faults, once, at a chosen statement of the code under test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from support.services import POSTGRES_ADMIN_URL

# ``how`` a test's database drops out: its connection terminated (PostgreSQL only), or the
# driver's OperationalError (both databases).
EVERY_FAULT = pytest.mark.parametrize("how", ["terminate", "raise"])


def skip_unless_possible(how: str) -> None:
    if how == "terminate" and os.environ.get("PREFHUB_TEST_DB", "sqlite") != "postgresql":
        print("\nSKIP: pg_terminate_backend needs PostgreSQL (PREFHUB_TEST_DB=postgresql)")
        pytest.skip("pg_terminate_backend needs PostgreSQL")


@contextmanager
def database_drops_out_at(statement: str, how: str) -> Iterator[list[str]]:
    """Make this process's database fail once, when a statement matching ``statement`` (a
    regular expression, from its start, ignoring case) is about to run: ``terminate`` kills
    the connection's PostgreSQL backend; ``raise`` has the driver raise its OperationalError.
    Yields the statements it failed."""
    from prefhub.kit.db import get_engine

    engine = get_engine()
    failed: list[str] = []

    # The dialect's do_execute runs the statement: what it raises, SQLAlchemy handles as it
    # handles the driver's own errors (wrapped, the connection invalidated if it is gone).
    pattern = re.compile(statement, re.IGNORECASE)

    def do_execute(cursor, sql, parameters, context):  # type: ignore[no-untyped-def]
        if failed or not pattern.match(sql.lstrip()):
            return None
        failed.append(sql)
        if how == "raise":
            raise context.dialect.loaded_dbapi.OperationalError("database is locked")
        import psycopg

        pid = cursor.connection.info.backend_pid
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
        return None  # the statement now runs on a dead connection

    event.listen(engine, "do_execute", do_execute)
    try:
        yield failed
    finally:
        event.remove(engine, "do_execute", do_execute)
