"""annotator standing: each participant's quality standing (ok, flagged, excluded) with who
decided and why, and when they passed the qualification phase

Revision ID: 2400_annotator_standing
Revises: 2300_gold_checks
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2400_annotator_standing"
down_revision: str | None = "2300_gold_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("standing", sa.String(length=16), server_default="ok", nullable=False)
        )
        batch_op.add_column(sa.Column("standing_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("standing_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("standing_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("qualified_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_participants", schema=None) as batch_op:
        batch_op.drop_column("qualified_at")
        batch_op.drop_column("standing_at")
        batch_op.drop_column("standing_source")
        batch_op.drop_column("standing_reason")
        batch_op.drop_column("standing")
