from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefhub.models.base import Base, TimestampMixin
from prefhub.models.job import Job, job_id_column


class ProviderKind(enum.StrEnum):
    openai_chat = "openai_chat"
    openai_image = "openai_image"
    local_hf = "local_hf"


class ModelEndpoint(TimestampMixin, Base):
    """A named model endpoint. The API key is never stored: only the name of a model secret an
    admin configured (``PREFHUB_MODEL_KEY_<NAME>``, bound to the hosts it may be sent to),
    read by the process that calls the model.

    It belongs to its creator; an admin may share it with everyone, its owner with named
    researchers (``ModelEndpointShare``). Endpoints registered from the CLI have no creator."""

    __tablename__ = "model_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    provider: Mapped[ProviderKind] = mapped_column(
        Enum(ProviderKind, native_enum=False, length=32, validate_strings=True)
    )
    base_url: Mapped[str] = mapped_column(String(500))
    model: Mapped[str] = mapped_column(String(200))
    api_key_secret: Mapped[str | None] = mapped_column(String(100))
    default_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_concurrency: Mapped[int] = mapped_column(Integer, default=4)
    timeout_s: Mapped[float] = mapped_column(Float, default=60.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    shared_with_all: Mapped[bool] = mapped_column(Boolean, default=False)


class ModelEndpointShare(Base):
    """A researcher (other than the owner) who may see and use a model endpoint."""

    __tablename__ = "model_endpoint_shares"

    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("model_endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class GenerationStatus(enum.StrEnum):
    """The state of one generation request (a job's own state is a ``JobStatus``)."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class GenerationJob(Job):
    """M models x N samples for a campaign's items (or a subset), as one round.

    Its requests are the units of work; ``progress_total`` is how many there are. Its
    ``dispatched_at`` is the claim of the dispatch that last handed them to the broker.
    """

    __tablename__ = "generation_jobs"
    __mapper_args__ = {"polymorphic_identity": "generation"}
    task_name: ClassVar[str] = "prefhub.generation.dispatch_job"
    hooks_module: ClassVar[str | None] = "prefhub.generation.service"
    # Its heartbeat is the last completion stored: a slow model may keep it quiet a while.
    beats: ClassVar[bool] = False

    id: Mapped[int] = job_id_column()
    endpoint_ids: Mapped[list[Any]] = mapped_column()
    samples: Mapped[int] = mapped_column(Integer, default=1)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    round: Mapped[int] = mapped_column(Integer, default=0)


class GenerationRequest(TimestampMixin, Base):
    """One call to one model for one item (or tree message) and sample: what a task runs.

    Its uniqueness, and the candidate's unique pointer back to it, make a task that runs twice
    (a killed worker, a redelivered message) store one candidate, never two.
    """

    __tablename__ = "generation_requests"
    __table_args__ = (UniqueConstraint("job_id", "item_id", "endpoint_id", "sample_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("generation_jobs.id", ondelete="CASCADE"), index=True
    )
    # What the answer is for: an item (a candidate), or a tree message (a reply to it). The
    # tree message is not a foreign key: tree messages point at their request already.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), index=True
    )
    tree_parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("model_endpoints.id"))
    sample_index: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[GenerationStatus] = mapped_column(
        Enum(GenerationStatus, native_enum=False, length=16, validate_strings=True),
        default=GenerationStatus.queued,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
