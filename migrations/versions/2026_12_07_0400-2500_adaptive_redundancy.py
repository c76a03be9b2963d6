"""adaptive redundancy: the judgments each item wants now (null: the campaign's K)

Revision ID: 2500_adaptive_redundancy
Revises: 2400_annotator_standing
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2500_adaptive_redundancy"
down_revision: str | None = "2400_annotator_standing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("judgments_wanted", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("judgments_wanted")
