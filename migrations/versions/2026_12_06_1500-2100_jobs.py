"""jobs: one lifecycle table for every kind of background job

``jobs`` holds what every job has (status, progress, error, attempts, heartbeat, owner,
dispatch claim, idempotency key); the four kind tables keep only their own columns and take
their id from ``jobs``. Generation jobs keep their ids (their requests point at them); export,
import and media-fetch jobs get new ids after every existing one. Errors split into a stable
code and a message (import line errors become the details).

Revision ID: 2100_jobs
Revises: 2000_security
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2100_jobs"
down_revision: str | None = "2000_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

# The columns that move from each kind table to ``jobs``; the rest stay.
KINDS = {
    "generation_jobs": "generation",
    "export_jobs": "export",
    "import_jobs": "import",
    "media_fetch_jobs": "media_fetch",
}
MOVED = {
    "generation_jobs": [
        "campaign_id",
        "created_by_id",
        "status",
        "total",
        "error",
        "started_at",
        "finished_at",
        "dispatched_at",
        "created_at",
    ],
    "export_jobs": [
        "campaign_id",
        "created_by_id",
        "status",
        "progress_done",
        "progress_total",
        "error",
        "started_at",
        "finished_at",
        "created_at",
    ],
    "import_jobs": [
        "campaign_id",
        "created_by_id",
        "status",
        "error",
        "finished_at",
        "created_at",
    ],
    "media_fetch_jobs": [
        "campaign_id",
        "created_by_id",
        "status",
        "error_code",
        "error",
        "finished_at",
        "created_at",
    ],
}
INDEXED = {
    "import_jobs": "ix_import_jobs_campaign_id",
    "media_fetch_jobs": "ix_media_fetch_jobs_campaign_id",
}


def upgrade() -> None:
    jobs = op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="jobstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", JSON, nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_jobs_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint(
            "owner_id",
            "kind",
            "idempotency_key",
            name=op.f("uq_jobs_owner_id_kind_idempotency_key"),
        ),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_jobs_status_kind", ["status", "kind"], unique=False)

    _copy_lifecycles(jobs)

    for table, moved in MOVED.items():
        if table in INDEXED:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_index(INDEXED[table])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_campaign_id_campaigns", type_="foreignkey")
            batch_op.drop_constraint(f"fk_{table}_created_by_id_users", type_="foreignkey")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in moved:
                batch_op.drop_column(column)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_id_jobs"), "jobs", ["id"], ["id"], ondelete="CASCADE"
            )
        if op.get_bind().dialect.name == "postgresql":
            # Ids now come from ``jobs``; the kind table's own sequence would only mislead.
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('jobs', 'id'), "
            "COALESCE((SELECT max(id) FROM jobs), 0) + 1, false)"
        )


def _copy_lifecycles(jobs: sa.Table) -> None:
    """One ``jobs`` row per existing job; export/import/media ids renumbered after all others."""
    bind = op.get_bind()
    meta = sa.MetaData()
    tables = {name: sa.Table(name, meta, autoload_with=bind) for name in KINDS}
    highest = max(
        (bind.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) for t in tables.values()
    )
    next_id = highest + 1
    for name, kind in KINDS.items():
        table = tables[name]
        for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings().all():
            values = _lifecycle(kind, row)
            if kind == "generation":
                new_id = row["id"]
            else:
                new_id, next_id = next_id, next_id + 1
                bind.execute(sa.update(table).where(table.c.id == row["id"]).values(id=new_id))
            bind.execute(sa.insert(jobs).values(id=new_id, kind=kind, **values))


def _lifecycle(kind: str, row: Any) -> dict[str, Any]:
    code, message, details = None, None, None
    error = row["error"]
    if kind == "import" and error:
        code, message, details = error.get("code"), error.get("message"), error.get("details")
    elif kind == "media_fetch":
        code, message = row["error_code"], error
    elif error:
        code, message = f"{kind}_failed", error
    total = row["total"] if kind == "generation" else row.get("progress_total", 0)
    return {
        "campaign_id": row["campaign_id"],
        "owner_id": row["created_by_id"],
        "status": row["status"],
        "progress_done": row.get("progress_done", 0),
        "progress_total": total or 0,
        "attempts": 1 if row.get("started_at") or row["status"] != "queued" else 0,
        "error_code": code,
        "error_message": message,
        "error_details": details,
        "dispatched_at": row.get("dispatched_at"),
        "started_at": row.get("started_at"),
        "finished_at": row["finished_at"],
        "created_at": row["created_at"],
    }


def downgrade() -> None:
    raise NotImplementedError("2100_jobs moves job lifecycles into one table; restore a backup")
