"""Migration 2650_open_lease_index replaces the ``(status, expires_at)`` index of assignments with
a partial index of the campaign's open leases by expiry, and downgrades back, on an empty
database of the test's kind; the lapsed-lease probe of the task loop reads that index."""

from __future__ import annotations

from pathlib import Path

from support.migrations import index_names, scratch_database


def test_open_lease_index_migration_upgrades_and_downgrades(
    database_url: str, tmp_path: Path
) -> None:
    from alembic import command

    from prefhub.cli.main import alembic_config

    with scratch_database(database_url, tmp_path) as url:
        config = alembic_config()
        config.attributes["database_url"] = url
        command.upgrade(config, "2600_progress_counters")
        assert "ix_assignments_status_expires" in index_names(url, "assignments")

        command.upgrade(config, "2650_open_lease_index")
        names = index_names(url, "assignments")
        assert "ix_assignments_open_expiry" in names
        assert "ix_assignments_status_expires" not in names

        command.downgrade(config, "2600_progress_counters")
        names = index_names(url, "assignments")
        assert "ix_assignments_status_expires" in names
        assert "ix_assignments_open_expiry" not in names

        command.upgrade(config, "head")
        assert "ix_assignments_open_expiry" in index_names(url, "assignments")
