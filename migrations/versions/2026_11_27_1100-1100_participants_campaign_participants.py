"""campaign participants

Revision ID: 1100_participants
Revises: 0950_media_fetch
Create Date: 2026-11-27 10:42:57.870600
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1100_participants"
down_revision: str | None = "0950_media_fetch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=True),
        sa.Column(
            "profile",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("profile_answered_at", sa.DateTime(), nullable=True),
        sa.Column("external_id_hash", sa.String(length=64), nullable=True),
        sa.Column("study_id", sa.String(length=200), nullable=True),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_participants_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_participants")),
        sa.UniqueConstraint(
            "campaign_id",
            "external_id_hash",
            name=op.f("uq_campaign_participants_campaign_id_external_id_hash"),
        ),
        sa.UniqueConstraint(
            "campaign_id", "user_id", name=op.f("uq_campaign_participants_campaign_id_user_id")
        ),
    )
    with op.batch_alter_table("campaign_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_participants_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_participants_user_id"))

    op.drop_table("campaign_participants")
