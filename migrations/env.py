"""Alembic environment: one migration chain for SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from prefhub.kit.db import make_engine
from prefhub.models import Base
from prefhub.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _run_without_cascades(connection)
        else:
            _run(connection)
    engine.dispose()


def _run_without_cascades(connection) -> None:  # type: ignore[no-untyped-def]
    """SQLite's batch mode rebuilds a table to alter it, and dropping the old copy with
    foreign keys on would cascade into (delete or null) the rows that point at it. Run with
    them off, as SQLite's docs advise for table rebuilds, then check nothing dangles."""
    # On the driver's connection: SQLAlchemy's "begin" would put it inside a transaction,
    # where SQLite ignores it.
    driver = connection.connection.dbapi_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(connection)
        dangling = driver.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"migration left rows pointing nowhere: {dangling[:10]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


# SQLite's reflection drops an index's sort order (DESC), so comparing this index there
# always reports a difference; PostgreSQL compares it fully.
ORDER_SENSITIVE_INDEXES = {"ix_items_queue"}


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    if type_ == "index" and name in ORDER_SENSITIVE_INDEXES:
        return context.get_bind().dialect.name != "sqlite"
    return True


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets ALTER-heavy migrations run on SQLite too.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
