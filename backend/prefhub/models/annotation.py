from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin


class AssignmentStatus(enum.StrEnum):
    leased = "leased"
    submitted = "submitted"
    expired = "expired"
    skipped = "skipped"


class Assignment(TimestampMixin, Base):
    """An item handed to one annotator, with a lease.

    One row per (item, annotator), ever: that uniqueness is what guarantees nobody sees an
    item twice, even under concurrent requests.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("item_id", "annotator_id"),
        Index("ix_assignments_annotator_status", "annotator_id", "status"),
        # The campaign's open leases by expiry (lapsed ones are looked for on every lease): only
        # open leases, so a generic plan reads a few entries, and closing a lease writes none.
        Index(
            "ix_assignments_open_expiry",
            "campaign_id",
            "expires_at",
            postgresql_where=text("status = 'leased'"),
            sqlite_where=text("status = 'leased'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[AssignmentStatus] = mapped_column(
        Enum(AssignmentStatus, native_enum=False, length=16, validate_strings=True),
        default=AssignmentStatus.leased,
    )
    # Candidate ids in the order shown (position 0 = "A"): randomised per assignment.
    shown_order: Mapped[list[Any]] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    skip_reason: Mapped[str | None] = mapped_column(Text)


class Judgment(TimestampMixin, Base):
    """An annotator's answers for one assignment. Append-only: never updated in place."""

    __tablename__ = "judgments"
    __table_args__ = (
        # Client-generated id: a retried submission finds its first copy instead of a second.
        UniqueConstraint("annotator_id", "client_id"),
        Index("ix_judgments_campaign_id_id", "campaign_id", "id"),
        # Gold accuracy per annotator and per item reads only the (few) scored judgments, from
        # the index alone (its columns are all the report reads).
        Index(
            "ix_judgments_gold",
            "campaign_id",
            "annotator_id",
            "item_id",
            "revision",
            "gold_score",
            postgresql_where=text("gold_score IS NOT NULL"),
            sqlite_where=text("gold_score IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    campaign_version: Mapped[int] = mapped_column(Integer)
    # ``{question_id: answer}``, validated against the spec of ``campaign_version``.
    answers: Mapped[dict[str, Any]] = mapped_column()
    shown_order: Mapped[list[Any]] = mapped_column()
    time_spent_ms: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Undo/correction writes a new row pointing at the one it replaces.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("judgments.id"), index=True, unique=True
    )
    # On a gold item with expected answers: how well this judgment matched them (0..1), set
    # once on submit (``quality.gold``); null on every other judgment.
    gold_score: Mapped[float | None] = mapped_column(Float)


class ItemReport(TimestampMixin, Base):
    """An annotator's report that an item is broken, offensive or unanswerable."""

    __tablename__ = "item_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
