"""export json pieces: items.prompt_json and candidates.text_json

Revision ID: 1900_export_json_pieces
Revises: 1300_item_language
Create Date: 2026-11-27 19:00:00

Rows written before this revision keep null: exports encode their JSON themselves.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1900_export_json_pieces"
down_revision: str | None = "1300_item_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt_json", sa.Text(), nullable=True))
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("text_json")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("prompt_json")
