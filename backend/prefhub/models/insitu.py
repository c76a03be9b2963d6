"""In-situ feedback: a live chat product's conversations and its users' signals (issue 19).

A researcher registers a ``FeedbackSource``; the product sends events with one of the source's
``IngestKey``s. Events are kept as they came (after redaction, the user's id as a pseudonym), one
row each, grouped by ``InsituConversation``; the rows the signal rules derive from a conversation
are ``InsituDerived``. Deleting a conversation deletes its events and derived rows (cascade), which
is how erasure and retention remove data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.kit.time import utcnow
from prefhub.models.base import Base, TimestampMixin
from prefhub.models.job import Job, job_id_column

# BIGINT on PostgreSQL (events are many); SQLite's rowid alias must be spelled INTEGER.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class FeedbackSource(TimestampMixin, Base):
    __tablename__ = "feedback_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    # ``insitu.pii.RedactionPolicy`` as JSON: kinds, phone regions, custom patterns.
    redaction: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the researcher declared about the users' consent; printed on every export's card.
    consent_basis: Mapped[str] = mapped_column(Text, default="")
    # Mixed into the pseudonym key: the same user has unrelated pseudonyms in two sources.
    pseudonym_salt: Mapped[str] = mapped_column(String(64))


class IngestKey(TimestampMixin, Base):
    """A write-only key for one source's ingestion route; only its hash is stored."""

    __tablename__ = "ingest_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_sources.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())
    # The rate limit's fixed window, shared by every API process through this row.
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime())
    window_events: Mapped[int] = mapped_column(Integer, default=0)


class InsituConversation(Base):
    __tablename__ = "insitu_conversations"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        # Retention and the volume chart read a source's conversations by last activity.
        Index("ix_insitu_conversations_source_last", "source_id", "last_event_at"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feedback_sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    first_event_at: Mapped[datetime] = mapped_column(DateTime())
    last_event_at: Mapped[datetime] = mapped_column(DateTime())
    # Set by ingestion, cleared when the rules have derived the conversation's rows again.
    needs_derivation: Mapped[bool] = mapped_column(Boolean, default=True)


class InsituEvent(Base):
    __tablename__ = "insitu_events"
    __table_args__ = (
        UniqueConstraint("source_id", "event_id"),
        Index("ix_insitu_events_source_user", "source_id", "user_pseudonym"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feedback_sources.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("insitu_conversations.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    user_pseudonym: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime())
    received_at: Mapped[datetime] = mapped_column(DateTime())
    # The validated event after redaction, without ``user_id``.
    payload: Mapped[dict[str, Any]] = mapped_column()
    # Redactions made in it, by kind: {"email": 2}; {} when none.
    redactions: Mapped[dict[str, Any]] = mapped_column(default=dict)


class InsituDerived(TimestampMixin, Base):
    """A row a signal rule derived: a KTO row or a preference pair, with its signal and
    confidence. ``key`` names it across re-derivations (signal, turns, texts), so what people
    later say about it stays attached."""

    __tablename__ = "insitu_derived"
    __table_args__ = (
        UniqueConstraint("conversation_id", "key"),
        Index("ix_insitu_derived_source_signal", "source_id", "signal"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feedback_sources.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("insitu_conversations.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # kto | pair
    signal: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    message_id: Mapped[str] = mapped_column(String(200))
    user_pseudonym: Mapped[str | None] = mapped_column(String(40))
    # prompt [[role, text], ...] and completion/label (kto) or chosen/rejected (pair).
    row: Mapped[dict[str, Any]] = mapped_column()
    event_ids: Mapped[list[Any]] = mapped_column(default=list)
    # The campaign item people verify it with (``insitu/verification.py``); null until sent.
    verification_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), index=True
    )


class InsituExportJob(Job):
    """A feedback source's derived rows exported to a folder of files (``insitu/export.py``)."""

    __tablename__ = "insitu_export_jobs"
    __mapper_args__ = {"polymorphic_identity": "insitu_export"}
    task_name: ClassVar[str] = "prefhub.insitu.run_export"

    id: Mapped[int] = job_id_column()
    source_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_sources.id", ondelete="CASCADE"), index=True
    )
    format: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_count: Mapped[int | None] = mapped_column(Integer)
    folder: Mapped[str | None] = mapped_column(String(255))
    files: Mapped[list[Any]] = mapped_column(default=list)


class InsituJudgeVerdict(Base):
    """A judge model's SAT/DSAT verdict on an assistant turn, read from the user's next turn
    (``insitu/judge.py``), with what made it: the derivation rules read it as the ``judge``
    signal."""

    __tablename__ = "insitu_judge_verdicts"
    __table_args__ = (UniqueConstraint("conversation_id", "message_id", "model"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_sources.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("insitu_conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(8))  # sat | dsat | neutral
    model: Mapped[str] = mapped_column(String(200))  # the registered model's name
    # The endpoint's model and provider, parameters, rubric version, answer's model, latency.
    provenance: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class InsituJudgeJob(Job):
    """A judge model reading a source's follow-up turns (``insitu/judge.py``)."""

    __tablename__ = "insitu_judge_jobs"
    __mapper_args__ = {"polymorphic_identity": "insitu_judge"}
    task_name: ClassVar[str] = "prefhub.insitu.run_judge"

    id: Mapped[int] = job_id_column()
    source_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_sources.id", ondelete="CASCADE"), index=True
    )
    model_endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_endpoints.id", ondelete="SET NULL")
    )
    model_name: Mapped[str] = mapped_column(String(200))
    max_turns: Mapped[int] = mapped_column(Integer)
