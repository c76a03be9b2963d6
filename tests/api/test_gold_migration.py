"""Migration 2300_gold_checks upgrades and downgrades cleanly on an empty database of the test's
kind (a scratch SQLite file, or a scratch PostgreSQL database), keeping existing rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.migrations import column_names, index_names, scratch_database


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(database_url, tmp_path) as url:
        yield url


def test_gold_checks_migration_upgrades_and_downgrades(scratch_url: str) -> None:
    from alembic import command

    from prefhub.cli.main import alembic_config

    config = alembic_config()
    config.attributes["database_url"] = scratch_url
    command.upgrade(config, "2200_annotator_groups")
    assert "gold_expected" not in column_names(scratch_url, "items")

    command.upgrade(config, "2300_gold_checks")
    assert {"gold_expected", "gold_feedback"} <= column_names(scratch_url, "items")
    assert "gold_score" in column_names(scratch_url, "judgments")
    assert "ix_judgments_gold" in index_names(scratch_url, "judgments")

    command.downgrade(config, "2200_annotator_groups")
    assert not {"gold_expected", "gold_feedback"} & column_names(scratch_url, "items")
    assert "gold_score" not in column_names(scratch_url, "judgments")
    assert "ix_judgments_gold" not in index_names(scratch_url, "judgments")

    command.upgrade(config, "head")
    assert "gold_score" in column_names(scratch_url, "judgments")
