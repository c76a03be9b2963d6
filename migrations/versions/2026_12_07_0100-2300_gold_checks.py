"""gold checks: gold items' expected answers and feedback, and each judgment's gold score

Revision ID: 2300_gold_checks
Revises: 2200_annotator_groups
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2300_gold_checks"
down_revision: str | None = "2200_annotator_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "gold_expected",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("gold_feedback", sa.String(length=2000), nullable=True))
    with op.batch_alter_table("judgments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gold_score", sa.Float(), nullable=True))
        batch_op.create_index(
            "ix_judgments_gold",
            ["campaign_id", "annotator_id"],
            unique=False,
            postgresql_where=sa.text("gold_score IS NOT NULL"),
            sqlite_where=sa.text("gold_score IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("judgments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_judgments_gold",
            postgresql_where=sa.text("gold_score IS NOT NULL"),
            sqlite_where=sa.text("gold_score IS NOT NULL"),
        )
        batch_op.drop_column("gold_score")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("gold_feedback")
        batch_op.drop_column("gold_expected")
