"""Background jobs: one lifecycle in one table, each kind's own columns in a table of its own.

Joined-table inheritance: ``jobs`` holds what every job has (status, progress, error, attempts,
heartbeats, owner, the claim of its last dispatch); ``export_jobs``, ``generation_jobs``,
``import_jobs`` and ``media_fetch_jobs`` hold what one kind needs, keyed by the same id. The
polymorphic map is the registry of kinds: ``Job.__mapper__.polymorphic_map``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, JSONType, TimestampMixin


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


FINISHED_JOB_STATUSES = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})
OPEN_JOB_STATUSES = frozenset({JobStatus.queued, JobStatus.running})


class Job(TimestampMixin, Base):
    """What every background job has, whatever its kind."""

    __tablename__ = "jobs"
    __table_args__ = (
        # A retried "create" with the same key returns the job it made the first time.
        UniqueConstraint("owner_id", "kind", "idempotency_key"),
        # The sweeper's scan: open jobs only.
        Index("ix_jobs_status_kind", "status", "kind"),
    )

    # The Celery task (by name) that runs a job of this kind: ``task(job_id, claim=...,
    # recovering=...)``. Domains never import each other's tasks; the jobs room sends this.
    task_name: ClassVar[str]
    # Whether a failed or cancelled job of this kind may be resumed (run again from its start
    # or from where it stopped, as the kind's task decides).
    resumable: ClassVar[bool] = True
    # The module whose ``on_cancel(session, job)`` / ``on_resume(session, job)`` do a kind's
    # own part of a cancel or a resume (imported by name when needed), if it has any.
    hooks_module: ClassVar[str | None] = None
    # Whether a running job's worker stamps ``heartbeat_at`` every few seconds (the runner
    # does); a kind that only stamps it on progress is judged stale much later.
    beats: ClassVar[bool] = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16, validate_strings=True),
        default=JobStatus.queued,
    )
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    # Runs started (a worker killed mid-run makes the next one attempt 2).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # What users see when it failed: a stable code, a message without internals, details.
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[Any | None] = mapped_column(JSONType)
    # A running job's worker writes this every few seconds; a stale one means it died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime())
    # When a send last reached the broker (None: never). It is also the claim a re-send
    # carries, so that of several sweepers only one sends, and a stale message knows it.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime())
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    __mapper_args__ = {"polymorphic_on": "kind"}

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES


def job_id_column() -> Mapped[int]:
    """A kind table's primary key: the id of its row in ``jobs``."""
    return mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)


def job_kinds() -> dict[str, type[Job]]:
    """Every kind of job, by name (the polymorphic identity each kind's model declares)."""
    return {str(k): m.class_ for k, m in Job.__mapper__.polymorphic_map.items()}
