from __future__ import annotations

import enum
from typing import Any, ClassVar, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefhub.kit.json_pieces import prompt_json, text_json
from prefhub.models.base import Base, TimestampMixin
from prefhub.models.job import Job, job_id_column


class ItemStatus(enum.StrEnum):
    # Waiting for candidates (e.g. generation still running).
    pending = "pending"
    ready = "ready"
    complete = "complete"
    # Written by an import job that has not finished: seen by nobody (no annotator, export or
    # item list) until the job's last transaction makes the whole import ready or pending.
    # (A non-native enum without a CHECK constraint: a new value needs no migration.)
    importing = "importing"


class _InsertContext(Protocol):
    """What a column default callable gets (SQLAlchemy's execution context, untyped there)."""

    def get_current_parameters(self) -> dict[str, Any]: ...


def _prompt_json(context: _InsertContext) -> str:
    return prompt_json(context.get_current_parameters()["context"]).decode()


def _text_json(context: _InsertContext) -> str:
    return text_json(context.get_current_parameters()["content"])


class Item(TimestampMixin, Base):
    """Something to judge: a context (a list of messages) and its candidates.

    ``context`` is ``[{"role": ..., "content": [{"type": "text", "text": ...}, ...]}]``; the
    typed parts let images, audio and video join later without a schema change.
    """

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "external_id"),
        # The queue order of ``next_task``: nearest completion first, then priority, then age.
        Index(
            "ix_items_queue",
            "campaign_id",
            "status",
            text("judgment_count DESC"),
            text("priority DESC"),
            "id",
        ),
        # Gold items, few among many: served at a rate on the annotator's hot path, counted and
        # named by the gold report.
        Index(
            "ix_items_gold",
            "campaign_id",
            "status",
            "id",
            postgresql_where=text("is_gold"),
            sqlite_where=text("is_gold"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    context: Mapped[list[Any]] = mapped_column()
    # The context as exports write a conversational prompt, made once on insert (every insert
    # path: a column default) so a large export copies it (kit/json_pieces.py). Null for items
    # written before it existed: exports then encode the context themselves.
    prompt_json: Mapped[str | None] = mapped_column(Text, default=_prompt_json)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    status: Mapped[ItemStatus] = mapped_column(
        Enum(ItemStatus, native_enum=False, length=16, validate_strings=True),
        default=ItemStatus.ready,
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    # A gold item's expected answers, ``{question_id: expected}`` naming candidates by their
    # import position ("A" = the first imported), and feedback for a qualification phase
    # (``quality.gold``). Null: a gold item nothing scores (or not gold).
    gold_expected: Mapped[dict[str, Any] | None] = mapped_column(
        # None is SQL NULL (not JSON null), so "has expected answers" is an IS NOT NULL.
        JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
    )
    gold_feedback: Mapped[str | None] = mapped_column(String(2000))
    # The prompt's language (a BCP 47 tag such as "en" or "pt-BR"), as imported; exports filter
    # by it.
    language: Mapped[str | None] = mapped_column(String(35))
    # Denormalised counters, changed only by the assignment service under a row-level guard:
    # ``assigned_count`` = open leases + submitted judgments, never above the item's cap (K, or
    # ``judgments_wanted`` under adaptive redundancy).
    assigned_count: Mapped[int] = mapped_column(Integer, default=0)
    judgment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Adaptive redundancy (``assignments.adaptive``): the judgments this item wants now, fewer
    # than K once its first judgments agree, up to the cap while they disagree. Null: K.
    judgments_wanted: Mapped[int | None] = mapped_column(Integer)
    # On-policy rounds: round 0 holds the imported prompts; a new round copies them into
    # fresh items (``source_item_id`` pointing at the original) so each round collects its own
    # K judgments over its own candidates.
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    source_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), index=True
    )

    candidates: Mapped[list[Candidate]] = relationship(
        lazy="raise", order_by="Candidate.position", back_populates="item"
    )


class Candidate(TimestampMixin, Base):
    """One response to an item's context, from a model or a human author."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[list[Any]] = mapped_column()
    # The text as exports write it (a JSON string), made once on insert, as Item.prompt_json.
    text_json: Mapped[str | None] = mapped_column(Text, default=_text_json)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Generation round: 0 for imported candidates, then one per on-policy round.
    round: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # Set for generated candidates: at most one candidate per generation request.
    generation_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("generation_requests.id", ondelete="SET NULL"), unique=True
    )

    item: Mapped[Item] = relationship(lazy="raise", back_populates="candidates")


class ImportJob(Job):
    """An item import a worker runs (or ``prefhub import``): a large file, or one whose media
    parts name URLs to fetch. It writes in batches (``items.jobs``).

    The upload waits in ``upload_path`` (under the data folder) until the worker has read it.
    A failed import's line errors are the job's ``error_details``; while it runs, they hold
    the ids its batches wrote.
    """

    __tablename__ = "import_jobs"
    __mapper_args__ = {"polymorphic_identity": "import"}
    task_name: ClassVar[str] = "prefhub.items.run_import"
    # A cancel removes what the job's batches wrote (``items.jobs.on_cancel``).
    hooks_module: ClassVar[str | None] = "prefhub.items.jobs"

    id: Mapped[int] = job_id_column()
    filename: Mapped[str] = mapped_column(String(300), default="")
    upload_path: Mapped[str] = mapped_column(String(500))
    imported: Mapped[int | None] = mapped_column(Integer)
    ready: Mapped[int | None] = mapped_column(Integer)
