"""open lease index: the campaign's open leases by expiry, in a partial index of their own

The task loop asks on every lease whether the campaign has a lapsed lease ("leased" and
``expires_at`` before now). The statement is prepared once per connection and runs with a
generic plan, which cannot see that few leases lapse: under ``(status, expires_at)`` PostgreSQL
read the whole ``assignments`` table per lease instead (0.26 ms at 4,000 rows, growing with
every judgment). A partial index over the open leases of a campaign holds only the open ones,
so any plan reads a few entries; the ``(status, expires_at)`` index it replaces took an entry on
every lease and on every close (closing changes ``status``), this one only on a lease.

Revision ID: 2650_open_lease_index
Revises: 2600_progress_counters
Create Date: 2026-12-07 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2650_open_lease_index"
down_revision: str | None = "2600_progress_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASED = sa.text("status = 'leased'")


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_open_expiry",
            ["campaign_id", "expires_at"],
            unique=False,
            postgresql_where=LEASED,
            sqlite_where=LEASED,
        )
        batch_op.drop_index("ix_assignments_status_expires")


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_status_expires", ["status", "expires_at"], unique=False
        )
        batch_op.drop_index(
            "ix_assignments_open_expiry", postgresql_where=LEASED, sqlite_where=LEASED
        )
