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
        _run(connection)
    engine.dispose()


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
