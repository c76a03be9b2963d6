"""One API for every kind of job: list, read, cancel, resume.

Each kind's own endpoints (``/api/exports/{id}``, ``/api/generation-jobs/{id}``, ...) add what
only that kind has (files, per-model progress); the lifecycle is read and driven here.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from prefhub.auth.dependencies import StaffUser
from prefhub.jobs import service
from prefhub.jobs.dependencies import OwnedJob
from prefhub.jobs.exceptions import JobFinished, JobNotResumable
from prefhub.jobs.schemas import JobOut, JobPage
from prefhub.kit.bounds import INT32_MAX
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, JobStatus
from prefhub.models.job import job_kinds

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", response_model=JobPage)
def list_jobs(
    user: StaffUser,
    session: SessionDep,
    kind: str | None = Query(None, max_length=32, description="export, generation, ..."),
    job_status: JobStatus | None = Query(None, alias="status"),
    campaign: str | None = Query(None, max_length=100, description="a campaign's slug"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=INT32_MAX),
) -> JobPage:
    """The jobs you may see (an admin: all; a researcher: those of their campaigns), newest
    first. An unknown kind or campaign simply matches nothing."""
    campaign_id = None
    if campaign is not None:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == campaign)) or 0
    if kind is not None and kind not in job_kinds():
        return JobPage(jobs=[], total=0, limit=limit, offset=offset)
    jobs, total = service.list_jobs(
        session,
        user,
        kind=kind,
        status=job_status,
        campaign_id=campaign_id,
        limit=limit,
        offset=offset,
    )
    return JobPage(jobs=[JobOut.of(j) for j in jobs], total=total, limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job: OwnedJob) -> JobOut:
    return JobOut.of(job)


@router.post("/{job_id}/cancel", response_model=JobOut, responses=errors(JobFinished))
def cancel_job(job: OwnedJob, session: SessionDep) -> JobOut:
    """Stop a queued or running job; what it finished stays. 409 ``job_finished`` if it
    already ended."""
    service.cancel(session, job)
    return JobOut.of(job)


@router.post(
    "/{job_id}/resume",
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(JobFinished, JobNotResumable),
)
def resume_job(job: OwnedJob, session: SessionDep) -> JobOut:
    """Run a failed or cancelled job again, or send an open one again (e.g. after a broker
    outage; workers also do this on their own for jobs that stall)."""
    service.resume(session, job)
    return JobOut.of(job)
