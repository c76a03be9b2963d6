"""gold indexes: gold accuracy read from the index alone, and gold items found without a scan

The gold report sums each scored judgment's score per annotator and per item: with the item,
revision and score in the partial index, PostgreSQL answers from the index instead of visiting
one heap page per scored judgment (20,000 pages at a million judgments). Gold items are found
through their own partial index, by the annotator's hot path (gold mixed in at a rate) and by
the report's count.

Revision ID: 2550_gold_indexes
Revises: 2500_adaptive_redundancy
Create Date: 2026-12-07 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2550_gold_indexes"
down_revision: str | None = "2500_adaptive_redundancy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORED = sa.text("gold_score IS NOT NULL")
GOLD = sa.text("is_gold")


def upgrade() -> None:
    with op.batch_alter_table("judgments", schema=None) as batch_op:
        batch_op.drop_index("ix_judgments_gold", postgresql_where=SCORED, sqlite_where=SCORED)
        batch_op.create_index(
            "ix_judgments_gold",
            ["campaign_id", "annotator_id", "item_id", "revision", "gold_score"],
            unique=False,
            postgresql_where=SCORED,
            sqlite_where=SCORED,
        )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_gold",
            ["campaign_id", "status", "id"],
            unique=False,
            postgresql_where=GOLD,
            sqlite_where=GOLD,
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_gold", postgresql_where=GOLD, sqlite_where=GOLD)
    with op.batch_alter_table("judgments", schema=None) as batch_op:
        batch_op.drop_index("ix_judgments_gold", postgresql_where=SCORED, sqlite_where=SCORED)
        batch_op.create_index(
            "ix_judgments_gold",
            ["campaign_id", "annotator_id"],
            unique=False,
            postgresql_where=SCORED,
            sqlite_where=SCORED,
        )
