"""Conversation trees: branching conversations grown by people and models, reviewed and ranked.

A tree's messages alternate prompter / assistant from a prompter root. Reviews and sibling
rankings are the judgments of a tree campaign: append-only, one per (message, annotator).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32, validate_strings=True)


class TreeState(enum.StrEnum):
    initial_prompt_review = "initial_prompt_review"
    growing = "growing"
    ranking = "ranking"
    ready_for_export = "ready_for_export"
    aborted_low_grade = "aborted_low_grade"
    halted_by_moderator = "halted_by_moderator"


class MessageRole(enum.StrEnum):
    prompter = "prompter"
    assistant = "assistant"


class ReviewState(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class TreeTaskKind(enum.StrEnum):
    initial_prompt = "initial_prompt"
    assistant_reply = "assistant_reply"
    prompter_reply = "prompter_reply"
    review = "review"
    rank = "rank"


class TreeTaskStatus(enum.StrEnum):
    leased = "leased"
    done = "done"
    skipped = "skipped"
    expired = "expired"


class ConversationTree(TimestampMixin, Base):
    __tablename__ = "conversation_trees"
    __table_args__ = (Index("ix_conversation_trees_campaign_state", "campaign_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    state: Mapped[TreeState] = mapped_column(_enum(TreeState))
    lang: Mapped[str] = mapped_column(String(16), default="en")
    # Accepted, not deleted messages: what the goal tree size is measured against.
    size: Mapped[int] = mapped_column(Integer, default=0)
    state_changed_at: Mapped[datetime | None] = mapped_column(DateTime())
    halted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    halt_reason: Mapped[str | None] = mapped_column(Text)


class TreeMessage(TimestampMixin, Base):
    __tablename__ = "tree_messages"
    __table_args__ = (Index("ix_tree_messages_tree_parent", "tree_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_id: Mapped[int] = mapped_column(
        ForeignKey("conversation_trees.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("tree_messages.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MessageRole] = mapped_column(_enum(MessageRole))
    content: Mapped[list[Any]] = mapped_column()
    lang: Mapped[str] = mapped_column(String(16), default="en")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # A person wrote it, or a model did (then the model's name and the request that made it).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    model_name: Mapped[str | None] = mapped_column(String(200))
    generation_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("generation_requests.id", ondelete="SET NULL"), unique=True
    )
    review_state: Mapped[ReviewState] = mapped_column(_enum(ReviewState))
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    acceptance: Mapped[float | None] = mapped_column(Float)
    # As a parent: how many rankings its replies have had.
    ranking_count: Mapped[int] = mapped_column(Integer, default=0)
    # Among its siblings, from the consensus of their rankings (0 = best).
    rank: Mapped[int | None] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)


class TreeMessageRevision(TimestampMixin, Base):
    """An earlier text of a message, kept when it is edited: nothing is overwritten."""

    __tablename__ = "tree_message_revisions"
    __table_args__ = (UniqueConstraint("message_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("tree_messages.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    content: Mapped[list[Any]] = mapped_column()
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TreeTask(TimestampMixin, Base):
    """A tree task handed to one annotator, with a lease, like an item assignment."""

    __tablename__ = "tree_tasks"
    __table_args__ = (
        UniqueConstraint("annotator_id", "client_id"),
        Index("ix_tree_tasks_target", "message_id", "kind", "status"),
        Index("ix_tree_tasks_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[TreeTaskKind] = mapped_column(_enum(TreeTaskKind))
    tree_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_trees.id", ondelete="CASCADE")
    )
    # The message the task is about: the parent to reply to or whose replies to rank, or the
    # message to review. None for an initial prompt.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("tree_messages.id", ondelete="CASCADE")
    )
    # For rankings: the sibling ids in the order shown.
    shown_ids: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[TreeTaskStatus] = mapped_column(_enum(TreeTaskStatus))
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    client_id: Mapped[str | None] = mapped_column(String(64))
    # What the submission made: the new message of a prompt or reply task.
    result_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("tree_messages.id", ondelete="SET NULL")
    )
    time_spent_ms: Mapped[int | None] = mapped_column(Integer)
    skip_reason: Mapped[str | None] = mapped_column(Text)


class TreeReview(TimestampMixin, Base):
    """One annotator's review of one message: acceptable or not, and its labels."""

    __tablename__ = "tree_reviews"
    __table_args__ = (UniqueConstraint("message_id", "annotator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("tree_messages.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tree_tasks.id", ondelete="SET NULL"))
    acceptable: Mapped[bool] = mapped_column(Boolean)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TreeRanking(TimestampMixin, Base):
    """One annotator's ranking of a message's replies, best first; tied replies share a tier."""

    __tablename__ = "tree_rankings"
    __table_args__ = (UniqueConstraint("parent_id", "annotator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(
        ForeignKey("tree_messages.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tree_tasks.id", ondelete="SET NULL"))
    # [[message id, ...], ...] best first.
    tiers: Mapped[list[Any]] = mapped_column()
