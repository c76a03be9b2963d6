"""``OwnedJob``: a job the signed-in researcher may see and act on, or 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy import select

from prefhub.auth.dependencies import StaffUser
from prefhub.jobs import service
from prefhub.jobs.exceptions import JobNotFound
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.models import Job


def get_owned_job(job_id: PathId, user: StaffUser, session: SessionDep) -> Job:
    """A job the user may see (``service.visible_to``). Any other answers 404
    ``job_not_found``, whether it exists or not, so ids reveal nothing."""
    job = session.scalars(select(Job).where(Job.id == job_id, service.visible_to(user))).first()
    if job is None:
        raise JobNotFound(f"No job {job_id}")
    return job


OwnedJob = Annotated[Job, Depends(get_owned_job)]


# A client's retry of a "create job" request with the same key gets the job the first try
# made instead of a second one (a lost answer must not double an export or a generation).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Retrying with the same key returns the job the first request created",
    ),
]
