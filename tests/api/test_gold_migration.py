"""Migration 2300_gold_checks upgrades and downgrades cleanly on an empty database of the test's
kind (a scratch SQLite file, or a scratch PostgreSQL database), keeping existing rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
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


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _indexes(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {i["name"] or "" for i in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def test_gold_checks_migration_upgrades_and_downgrades(scratch_url: str) -> None:
    from alembic import command

    from prefhub.cli.main import alembic_config

    config = alembic_config()
    config.attributes["database_url"] = scratch_url
    command.upgrade(config, "2200_annotator_groups")
    assert "gold_expected" not in _columns(scratch_url, "items")

    command.upgrade(config, "2300_gold_checks")
    assert {"gold_expected", "gold_feedback"} <= _columns(scratch_url, "items")
    assert "gold_score" in _columns(scratch_url, "judgments")
    assert "ix_judgments_gold" in _indexes(scratch_url, "judgments")

    command.downgrade(config, "2200_annotator_groups")
    assert not {"gold_expected", "gold_feedback"} & _columns(scratch_url, "items")
    assert "gold_score" not in _columns(scratch_url, "judgments")
    assert "ix_judgments_gold" not in _indexes(scratch_url, "judgments")

    command.upgrade(config, "head")
    assert "gold_score" in _columns(scratch_url, "judgments")
