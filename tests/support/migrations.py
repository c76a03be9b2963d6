"""A scratch database of the test's kind for migration tests, and what its schema holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of ``database_url``'s kind (a SQLite file under
    ``tmp_path``, or a PostgreSQL database dropped afterwards)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"prefhub_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def column_names(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def index_names(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {i["name"] or "" for i in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()
