from __future__ import annotations

import enum
from typing import ClassVar

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin
from prefhub.models.job import Job, job_id_column


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


class MediaFetchJob(Job):
    """A URL a worker fetches into the media store for a campaign; polled until done."""

    __tablename__ = "media_fetch_jobs"
    __mapper_args__ = {"polymorphic_identity": "media_fetch"}
    task_name: ClassVar[str] = "prefhub.media.fetch_media"

    id: Mapped[int] = job_id_column()
    url: Mapped[str] = mapped_column(String(2000))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
