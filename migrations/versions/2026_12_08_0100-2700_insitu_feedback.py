"""in-situ feedback: sources, their ingestion keys, conversations, events and derived rows

Revision ID: 2700_insitu_feedback
Revises: 2650_open_lease_index
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2700_insitu_feedback"
down_revision: str | None = "2650_open_lease_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("redaction", JSON, nullable=False),
        sa.Column("consent_basis", sa.Text(), nullable=False),
        sa.Column("pseudonym_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_feedback_sources_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_sources")),
        sa.UniqueConstraint("slug", name=op.f("uq_feedback_sources_slug")),
    )
    op.create_index(
        op.f("ix_feedback_sources_owner_id"), "feedback_sources", ["owner_id"], unique=False
    )
    op.create_table(
        "ingest_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("window_started_at", sa.DateTime(), nullable=True),
        sa.Column("window_events", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_ingest_keys_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ingest_keys_token_hash")),
    )
    op.create_index(op.f("ix_ingest_keys_source_id"), "ingest_keys", ["source_id"], unique=False)
    op.create_table(
        "insitu_conversations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("first_event_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=False),
        sa.Column("needs_derivation", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_conversations_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_conversations")),
        sa.UniqueConstraint(
            "source_id", "external_id", name=op.f("uq_insitu_conversations_source_id_external_id")
        ),
    )
    op.create_index(
        "ix_insitu_conversations_source_last",
        "insitu_conversations",
        ["source_id", "last_event_at"],
        unique=False,
    )
    op.create_table(
        "insitu_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("redactions", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["insitu_conversations.id"],
            name=op.f("fk_insitu_events_conversation_id_insitu_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_events_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_events")),
        sa.UniqueConstraint(
            "source_id", "event_id", name=op.f("uq_insitu_events_source_id_event_id")
        ),
    )
    op.create_index(
        op.f("ix_insitu_events_conversation_id"), "insitu_events", ["conversation_id"], unique=False
    )
    op.create_index(
        "ix_insitu_events_source_user",
        "insitu_events",
        ["source_id", "user_pseudonym"],
        unique=False,
    )
    op.create_table(
        "insitu_derived",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=40), nullable=True),
        sa.Column("row", JSON, nullable=False),
        sa.Column("event_ids", JSON, nullable=False),
        sa.Column("verification_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["insitu_conversations.id"],
            name=op.f("fk_insitu_derived_conversation_id_insitu_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_derived_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verification_item_id"],
            ["items.id"],
            name=op.f("fk_insitu_derived_verification_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_derived")),
        sa.UniqueConstraint(
            "conversation_id", "key", name=op.f("uq_insitu_derived_conversation_id_key")
        ),
    )
    op.create_index(
        "ix_insitu_derived_source_signal", "insitu_derived", ["source_id", "signal"], unique=False
    )
    op.create_index(
        op.f("ix_insitu_derived_verification_item_id"),
        "insitu_derived",
        ["verification_item_id"],
        unique=False,
    )
    op.create_table(
        "insitu_export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("folder", sa.String(length=255), nullable=True),
        sa.Column("files", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["jobs.id"], name=op.f("fk_insitu_export_jobs_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_export_jobs_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_export_jobs")),
    )
    op.create_index(
        op.f("ix_insitu_export_jobs_source_id"), "insitu_export_jobs", ["source_id"], unique=False
    )
    op.create_table(
        "insitu_judge_verdicts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", BIG_ID, nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("provenance", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["insitu_conversations.id"],
            name=op.f("fk_insitu_judge_verdicts_conversation_id_insitu_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_judge_verdicts_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_judge_verdicts")),
        sa.UniqueConstraint(
            "conversation_id",
            "message_id",
            "model",
            name=op.f("uq_insitu_judge_verdicts_conversation_id_message_id_model"),
        ),
    )
    op.create_index(
        op.f("ix_insitu_judge_verdicts_source_id"),
        "insitu_judge_verdicts",
        ["source_id"],
        unique=False,
    )
    op.create_table(
        "insitu_judge_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("model_endpoint_id", sa.Integer(), nullable=True),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("max_turns", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["jobs.id"], name=op.f("fk_insitu_judge_jobs_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["model_endpoint_id"],
            ["model_endpoints.id"],
            name=op.f("fk_insitu_judge_jobs_model_endpoint_id_model_endpoints"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["feedback_sources.id"],
            name=op.f("fk_insitu_judge_jobs_source_id_feedback_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insitu_judge_jobs")),
    )
    op.create_index(
        op.f("ix_insitu_judge_jobs_source_id"), "insitu_judge_jobs", ["source_id"], unique=False
    )


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE kind IN ('insitu_export', 'insitu_judge')")
    op.drop_table("insitu_judge_jobs")
    op.drop_table("insitu_judge_verdicts")
    op.drop_table("insitu_export_jobs")
    op.drop_table("insitu_derived")
    op.drop_table("insitu_events")
    op.drop_table("insitu_conversations")
    op.drop_table("ingest_keys")
    op.drop_table("feedback_sources")
