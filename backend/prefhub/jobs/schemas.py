from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from prefhub.kit.time import UtcDatetime
from prefhub.models import Job, JobStatus


class JobError(BaseModel):
    """Why a job failed: a stable code and a message for people (never internals)."""

    code: str
    message: str
    details: Any = None


class JobProgress(BaseModel):
    done: int
    total: int


class JobOut(BaseModel):
    """Any job, whatever its kind: its lifecycle. The kind's own endpoint has the rest."""

    id: int
    kind: str = Field(examples=["export", "generation", "import", "media_fetch"])
    status: JobStatus
    campaign_id: int | None
    owner_id: int | None
    progress: JobProgress
    attempts: int
    error: JobError | None
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    heartbeat_at: UtcDatetime | None
    finished_at: UtcDatetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        error = None
        if job.error_code is not None:
            error = JobError(
                code=job.error_code, message=job.error_message or "", details=job.error_details
            )
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            campaign_id=job.campaign_id,
            owner_id=job.owner_id,
            progress=JobProgress(done=job.progress_done, total=job.progress_total),
            attempts=job.attempts,
            error=error,
            created_at=job.created_at,
            started_at=job.started_at,
            heartbeat_at=job.heartbeat_at,
            finished_at=job.finished_at,
        )


class JobPage(BaseModel):
    jobs: list[JobOut]
    total: int
    limit: int
    offset: int
