"""generation jobs remember when their requests were last dispatched

Revision ID: 0940_generation_dispatch
Revises: 0920_media_assets
Create Date: 2026-11-27 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0940_generation_dispatch"
down_revision: str | None = "0920_media_assets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("generation_jobs") as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generation_jobs") as batch_op:
        batch_op.drop_column("dispatched_at")
