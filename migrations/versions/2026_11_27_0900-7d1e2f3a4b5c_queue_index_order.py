"""queue index in next_task's order

Revision ID: 7d1e2f3a4b5c
Revises: 62774d459501
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d1e2f3a4b5c"
down_revision: str | None = "62774d459501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Matches ORDER BY judgment_count DESC, priority DESC, id: the planner walks the index and
    # stops after the queue window, even before ANALYZE has run on a fresh import.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_queue")
        batch_op.create_index(
            "ix_items_queue",
            [
                "campaign_id",
                "status",
                sa.text("judgment_count DESC"),
                sa.text("priority DESC"),
                "id",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_queue")
        batch_op.create_index(
            "ix_items_queue", ["campaign_id", "status", "judgment_count"], unique=False
        )
