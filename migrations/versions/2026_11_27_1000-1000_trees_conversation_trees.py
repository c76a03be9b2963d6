"""conversation trees

Revision ID: 1000_trees
Revises: 0940_generation_dispatch
Create Date: 2026-11-27 10:28:14.458846
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1000_trees"
down_revision: str | None = "0940_generation_dispatch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_trees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "initial_prompt_review",
                "growing",
                "ranking",
                "ready_for_export",
                "aborted_low_grade",
                "halted_by_moderator",
                name="treestate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(), nullable=True),
        sa.Column("halted_by_id", sa.Integer(), nullable=True),
        sa.Column("halt_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_conversation_trees_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["halted_by_id"], ["users.id"], name=op.f("fk_conversation_trees_halted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_trees")),
    )
    with op.batch_alter_table("conversation_trees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_trees_campaign_state", ["campaign_id", "state"], unique=False
        )

    op.create_table(
        "tree_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum("prompter", "assistant", name="messagerole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("generation_request_id", sa.Integer(), nullable=True),
        sa.Column(
            "review_state",
            sa.Enum(
                "pending", "accepted", "rejected", name="reviewstate", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("acceptance", sa.Float(), nullable=True),
        sa.Column("ranking_count", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_tree_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["generation_request_id"],
            ["generation_requests.id"],
            name=op.f("fk_tree_messages_generation_request_id_generation_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_messages_parent_id_tree_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["conversation_trees.id"],
            name=op.f("fk_tree_messages_tree_id_conversation_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_messages")),
        sa.UniqueConstraint(
            "generation_request_id", name=op.f("uq_tree_messages_generation_request_id")
        ),
    )
    with op.batch_alter_table("tree_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tree_messages_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tree_messages_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tree_messages_tree_id"), ["tree_id"], unique=False)
        batch_op.create_index(
            "ix_tree_messages_tree_parent", ["tree_id", "parent_id"], unique=False
        )

    op.create_table(
        "tree_message_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["users.id"],
            name=op.f("fk_tree_message_revisions_edited_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_message_revisions_message_id_tree_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_message_revisions")),
        sa.UniqueConstraint(
            "message_id", "revision", name=op.f("uq_tree_message_revisions_message_id_revision")
        ),
    )
    op.create_table(
        "tree_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "initial_prompt",
                "assistant_reply",
                "prompter_reply",
                "review",
                "rank",
                name="treetaskkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("tree_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column(
            "shown_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "leased",
                "done",
                "skipped",
                "expired",
                name="treetaskstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("result_message_id", sa.Integer(), nullable=True),
        sa.Column("time_spent_ms", sa.Integer(), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"], ["users.id"], name=op.f("fk_tree_tasks_annotator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_tree_tasks_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_tasks_message_id_tree_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["result_message_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_tasks_result_message_id_tree_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["conversation_trees.id"],
            name=op.f("fk_tree_tasks_tree_id_conversation_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_tasks")),
        sa.UniqueConstraint(
            "annotator_id", "client_id", name=op.f("uq_tree_tasks_annotator_id_client_id")
        ),
    )
    with op.batch_alter_table("tree_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tree_tasks_annotator_id"), ["annotator_id"], unique=False
        )
        batch_op.create_index(
            "ix_tree_tasks_campaign_status", ["campaign_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_tree_tasks_target", ["message_id", "kind", "status"], unique=False
        )

    op.create_table(
        "tree_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column(
            "tiers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"], ["users.id"], name=op.f("fk_tree_rankings_annotator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_rankings_parent_id_tree_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tree_tasks.id"],
            name=op.f("fk_tree_rankings_task_id_tree_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_rankings")),
        sa.UniqueConstraint(
            "parent_id", "annotator_id", name=op.f("uq_tree_rankings_parent_id_annotator_id")
        ),
    )
    with op.batch_alter_table("tree_rankings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tree_rankings_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "tree_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("acceptable", sa.Boolean(), nullable=False),
        sa.Column(
            "labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"], ["users.id"], name=op.f("fk_tree_reviews_annotator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["tree_messages.id"],
            name=op.f("fk_tree_reviews_message_id_tree_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tree_tasks.id"],
            name=op.f("fk_tree_reviews_task_id_tree_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_reviews")),
        sa.UniqueConstraint(
            "message_id", "annotator_id", name=op.f("uq_tree_reviews_message_id_annotator_id")
        ),
    )
    with op.batch_alter_table("tree_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tree_reviews_message_id"), ["message_id"], unique=False
        )
    # Models reply to tree messages through the generation jobs.
    with op.batch_alter_table("generation_requests", schema=None) as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("tree_parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_generation_requests_tree_parent_id"), ["tree_parent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("generation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generation_requests_tree_parent_id"))
        batch_op.drop_column("tree_parent_id")
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("tree_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_reviews_message_id"))

    op.drop_table("tree_reviews")
    with op.batch_alter_table("tree_rankings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_rankings_parent_id"))

    op.drop_table("tree_rankings")
    with op.batch_alter_table("tree_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tree_tasks_target")
        batch_op.drop_index("ix_tree_tasks_campaign_status")
        batch_op.drop_index(batch_op.f("ix_tree_tasks_annotator_id"))

    op.drop_table("tree_tasks")
    op.drop_table("tree_message_revisions")
    with op.batch_alter_table("tree_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_tree_messages_tree_parent")
        batch_op.drop_index(batch_op.f("ix_tree_messages_tree_id"))
        batch_op.drop_index(batch_op.f("ix_tree_messages_parent_id"))
        batch_op.drop_index(batch_op.f("ix_tree_messages_author_id"))

    op.drop_table("tree_messages")
    with op.batch_alter_table("conversation_trees", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_trees_campaign_state")

    op.drop_table("conversation_trees")
