"""annotator groups: named sets of users a campaign may be opened to

Revision ID: 2200_annotator_groups
Revises: 2100_jobs
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2200_annotator_groups"
down_revision: str | None = "2100_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annotator_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_annotator_groups_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotator_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_annotator_groups_name")),
    )
    op.create_table(
        "annotator_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["annotator_groups.id"],
            name=op.f("fk_annotator_group_members_group_id_annotator_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_annotator_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_annotator_group_members")),
    )
    with op.batch_alter_table("annotator_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annotator_group_members_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("annotator_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotator_group_members_user_id"))
    op.drop_table("annotator_group_members")
    op.drop_table("annotator_groups")
