from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin


class MediaKind(enum.StrEnum):
    image = "image"
    audio = "audio"
    video = "video"


class MediaAsset(TimestampMixin, Base):
    """Bytes stored once, addressed by their sha256; content parts refer to them by that hash.

    The content type is what the bytes are (sniffed), never what a file name or header said.
    """

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[MediaKind] = mapped_column(
        Enum(MediaKind, native_enum=False, length=16, validate_strings=True)
    )
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # Where the storage backend keeps the bytes, relative to its root.
    storage_key: Mapped[str] = mapped_column(String(200))


class CampaignMedia(Base):
    """Which campaigns use an asset: who may fetch it follows who may see the campaign."""

    __tablename__ = "campaign_media"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("media_assets.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MediaFetchStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class MediaFetchJob(TimestampMixin, Base):
    """A URL a worker fetches into the media store for a campaign; polled until done."""

    __tablename__ = "media_fetch_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[MediaFetchStatus] = mapped_column(
        Enum(MediaFetchStatus, native_enum=False, length=16, validate_strings=True),
        default=MediaFetchStatus.queued,
    )
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
    # The stable code and message of the error that failed the fetch.
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
