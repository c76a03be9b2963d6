"""media fetch jobs

Revision ID: 0950_media_fetch
Revises: 1000_trees
Create Date: 2026-11-27 10:30:37.414719
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0950_media_fetch"
down_revision: str | None = "1000_trees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_fetch_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="mediafetchstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["media_assets.id"],
            name=op.f("fk_media_fetch_jobs_asset_id_media_assets"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_media_fetch_jobs_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_media_fetch_jobs_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_fetch_jobs")),
    )
    with op.batch_alter_table("media_fetch_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_fetch_jobs_campaign_id"), ["campaign_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("media_fetch_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_fetch_jobs_campaign_id"))

    op.drop_table("media_fetch_jobs")
