from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefhub.kit.time import utcnow
from prefhub.models.base import Base, TimestampMixin
from prefhub.models.user import User


class CampaignStatus(enum.StrEnum):
    """Where a campaign is in its lifecycle; ``prefhub.campaigns.lifecycle`` says which status
    may follow which and what each one allows."""

    draft = "draft"
    active = "active"
    paused = "paused"
    closed = "closed"
    archived = "archived"


class Campaign(TimestampMixin, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[CampaignStatus] = mapped_column(
        Enum(CampaignStatus, native_enum=False, length=16, validate_strings=True),
        default=CampaignStatus.active,
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # The current spec; every version is also kept in ``campaign_versions``.
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(lazy="raise")


class CampaignVersion(TimestampMixin, Base):
    __tablename__ = "campaign_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
