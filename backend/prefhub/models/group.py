from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin


class AnnotatorGroup(TimestampMixin, Base):
    """A named set of users; a campaign's eligibility may name groups to open it to them only."""

    __tablename__ = "annotator_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Campaign specs name groups by it, so it is unique.
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AnnotatorGroupMember(Base):
    __tablename__ = "annotator_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("annotator_groups.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed: an annotator's groups are looked up on every campaign list they open.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
