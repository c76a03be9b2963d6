"""item rounds and media assets

Revision ID: 0920_media_assets
Revises: 006d90fedb0f
Create Date: 2026-11-27 10:16:56.035677
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0920_media_assets"
down_revision: str | None = "006d90fedb0f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("image", "audio", "video", name="mediakind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_assets")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_assets_sha256")),
    )
    op.create_table(
        "campaign_media",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["media_assets.id"],
            name=op.f("fk_campaign_media_asset_id_media_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_media_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "asset_id", name=op.f("pk_campaign_media")),
    )
    with op.batch_alter_table("campaign_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_media_asset_id"), ["asset_id"], unique=False)

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("source_item_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_items_source_item_id"), ["source_item_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_items_source_item_id_items"),
            "items",
            ["source_item_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # SQLite rebuilds the table for the foreign key and re-creates its indexes from reflection,
    # which drops the DESC of the queue index; put it back as next_task reads it.
    _queue_index()


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_items_source_item_id_items"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_items_source_item_id"))
        batch_op.drop_column("source_item_id")
        batch_op.drop_column("round")
    _queue_index()

    with op.batch_alter_table("campaign_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_media_asset_id"))

    op.drop_table("campaign_media")
    op.drop_table("media_assets")


def _queue_index() -> None:
    op.drop_index("ix_items_queue", table_name="items")
    op.create_index(
        "ix_items_queue",
        "items",
        ["campaign_id", "status", sa.text("judgment_count DESC"), sa.text("priority DESC"), "id"],
    )
