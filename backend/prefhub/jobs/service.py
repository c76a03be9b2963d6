"""The lifecycle every job shares: queued → running → succeeded / failed / cancelled.

A job is created in the request's transaction and sent by its task's *name* after commit
(``Job.task_name``), so domains never import their tasks. A run *claims* the job (one guarded
UPDATE: of two workers handed the same message, one runs it), beats while it works, and
finishes it. The sweeper (``jobs.sweeper``) re-sends what a broker outage or a dead worker
stranded; the claim makes a second message harmless.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy import and_, case, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.jobs.exceptions import (
    IdempotencyKeyReused,
    JobCancelled,
    JobFinished,
    JobNotFound,
    JobNotResumable,
)
from prefhub.kit.db import rowcount, unit_of_work
from prefhub.kit.enqueue import send_after_commit
from prefhub.kit.errors import PrefhubError
from prefhub.kit.time import utcnow
from prefhub.models import FINISHED_JOB_STATUSES, Campaign, Job, JobStatus, Role, User
from prefhub.models.job import job_kinds
from prefhub.settings import get_settings
from prefhub.worker import celery_app

log = logging.getLogger(__name__)

J = TypeVar("J", bound=Job)

# A message nobody picked up in a day is stale; the sweeper sends a fresh one if still needed.
SEND_EXPIRES_S = 24 * 3600
# What a user reads when a job failed for a reason that is not theirs (the log has the rest).
INTERNAL_FAILURE = "The job failed unexpectedly; the server's log has the details"


# ---------------------------------------------------------------- creating and sending


def create(
    session: Session,
    job: J,
    *,
    owner: User | None,
    idempotency_key: str | None = None,
    send_now: bool = True,
) -> J:
    """Store a new job and send it after commit (``send_now=False``: the kind sends it its
    own way). With an ``idempotency_key`` this owner already used, the job it named is
    returned instead and nothing is sent."""
    if idempotency_key is not None:
        existing = find_by_key(session, owner, idempotency_key, type(job))
        if existing is not None:
            return existing
    job.owner_id = owner.id if owner is not None else None
    job.idempotency_key = idempotency_key
    job.status = JobStatus.queued
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        # The same key, sent twice at once: the other request's job is the one.
        if idempotency_key is None:
            raise
        existing = find_by_key(session, owner, idempotency_key, type(job))
        if existing is None:
            raise
        return existing
    if send_now:
        send(session, job)
    return job


def send(
    session: Session,
    job: Job,
    *,
    claim: datetime | None = None,
    previous: datetime | None = None,
    **kwargs: Any,
) -> None:
    """After commit, send the job's task by name, then record that it reached the broker.

    A re-send passes the ``claim`` it set on ``dispatched_at`` (the task may compare it) and
    the value it replaced; when the broker is down the claim is given back, so the next sweep
    tries again. A first send that fails leaves ``dispatched_at`` empty: the sweeper sends it
    once the grace period is over."""
    job_id, task_name = job.id, job.task_name
    if claim is not None:
        kwargs["claim"] = claim.isoformat()

    def deliver() -> None:
        try:
            celery_app.send_task(task_name, args=[job_id], kwargs=kwargs, expires=SEND_EXPIRES_S)
        except BrokerUnavailable:
            if claim is not None:
                with unit_of_work() as session:
                    session.execute(
                        update(Job)
                        .where(Job.id == job_id, Job.dispatched_at == claim)
                        .values(dispatched_at=previous)
                        .execution_options(synchronize_session=False)
                    )
            raise
        if claim is None:
            with unit_of_work() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.dispatched_at.is_(None))
                    .values(dispatched_at=utcnow())
                    .execution_options(synchronize_session=False)
                )

    send_after_commit(session, f"{job.kind} job {job_id}", deliver)


# ---------------------------------------------------------------- reading


def find_by_key(session: Session, owner: User | None, key: str, kind: type[J]) -> J | None:
    """The job this owner (None: the command line) created with this idempotency key."""
    by = Job.owner_id.is_(None) if owner is None else Job.owner_id == owner.id
    job = session.scalars(
        select(Job).where(by, Job.idempotency_key == key).order_by(Job.id)
    ).first()
    if job is not None and not isinstance(job, kind):
        raise IdempotencyKeyReused(f"Idempotency key {key!r} already named a {job.kind} job")
    return job


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(f"No job {job_id}")
    return job


def of_campaign(session: Session, kind: type[J], campaign_id: int, limit: int = 100) -> list[J]:
    """A campaign's newest jobs of one kind (a kind's own list endpoint)."""
    return list(
        session.scalars(
            select(kind)
            .where(kind.campaign_id == campaign_id)
            .order_by(kind.id.desc())
            .limit(limit)
        )
    )


def visible_to(user: User) -> Any:
    """The jobs a user may see: an admin every job; a researcher the jobs they started and
    the jobs of the campaigns they own."""
    if user.role == Role.admin:
        return true()
    owned_campaigns = select(Campaign.id).where(Campaign.owner_id == user.id)
    return or_(Job.owner_id == user.id, Job.campaign_id.in_(owned_campaigns))


def list_jobs(
    session: Session,
    user: User,
    *,
    kind: str | None = None,
    status: JobStatus | None = None,
    campaign_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Job], int]:
    """A page of the jobs the user may see, newest first, and how many there are."""
    where = [visible_to(user)]
    if kind is not None:
        where.append(Job.kind == kind)
    if status is not None:
        where.append(Job.status == status)
    if campaign_id is not None:
        where.append(Job.campaign_id == campaign_id)
    total = session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    page = session.scalars(
        select(Job).where(*where).order_by(Job.id.desc()).limit(limit).offset(offset)
    )
    return list(page), total


# ---------------------------------------------------------------- running


def claim(session: Session, job_id: int, now: datetime | None = None) -> bool:
    """Take the job to run it: a queued one, or a running one whose worker stopped beating.
    One guarded statement, so of two workers handed the job at once, one wins."""
    now = now or utcnow()
    stale = now - timedelta(seconds=get_settings().job_stale_seconds)
    claimed = rowcount(
        session,
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.status == JobStatus.queued,
                and_(
                    Job.status == JobStatus.running,
                    or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale),
                ),
            ),
        )
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,
            heartbeat_at=now,
            started_at=func.coalesce(Job.started_at, now),
        )
        .execution_options(synchronize_session=False),
    )
    return claimed == 1


def beat(session: Session, job_id: int) -> JobStatus | None:
    """The worker is alive: stamp the heartbeat of a running job. Returns the job's status
    (``cancelled`` tells the worker to stop), or None when the job is gone."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return session.scalar(select(Job.status).where(Job.id == job_id))


def record_progress(session: Session, job_id: int, done: int, total: int) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running)
        .values(progress_done=done, progress_total=total, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def succeed(job: Job) -> None:
    """Finish a running job (in the body's last transaction). A job cancelled meanwhile
    stays cancelled: the body's transaction rolls back."""
    if job.status != JobStatus.running:
        raise JobCancelled
    job.status = JobStatus.succeeded
    job.error_code = job.error_message = job.error_details = None
    job.finished_at = utcnow()


def fail(job: Job, error: PrefhubError | None = None) -> None:
    """Fail the job. A ``PrefhubError`` is shown as it is (it was written for users); any
    other failure shows a generic message, never the exception (it may hold SQL or paths)."""
    job.status = JobStatus.failed
    if error is not None:
        job.error_code, job.error_message, job.error_details = (
            error.code,
            error.message,
            error.details,
        )
    else:
        job.error_code, job.error_message, job.error_details = (
            "internal_error",
            f"{INTERNAL_FAILURE} (job {job.id}).",
            None,
        )
    job.finished_at = utcnow()


# ---------------------------------------------------------------- cancel and resume


def cancel(session: Session, job: Job) -> None:
    """Stop an open job. A queued one never runs; a running one stops at its next heartbeat
    (what it finished stays); a kind may do more (its ``on_cancel`` hook)."""
    if job.finished:
        raise JobFinished(f"Job {job.id} is already {job.status.value}")
    job.status = JobStatus.cancelled
    job.finished_at = utcnow()
    _run_hook(session, job, "on_cancel")
    session.flush()


def resume(session: Session, job: Job) -> None:
    """Run a failed or cancelled job again (from the start, or from where it stopped, as the
    kind's task decides), or send an open one whose messages were lost."""
    if job.status == JobStatus.succeeded:
        raise JobFinished(f"Job {job.id} already succeeded")
    if job.finished:
        if not job.resumable:
            raise JobNotResumable(f"{job.kind} jobs cannot be resumed")
        job.status = JobStatus.queued
        job.finished_at = None
        job.error_code = job.error_message = job.error_details = None
        job.heartbeat_at = None
    now, previous = utcnow(), job.dispatched_at
    job.dispatched_at = now
    session.flush()
    _run_hook(session, job, "on_resume")
    send(session, job, claim=now, previous=previous, recovering=True)


def _run_hook(session: Session, job: Job, name: str) -> None:
    """A kind with more to do on cancel or resume names the module that does it
    (``Job.hooks_module``), as a task is named: the jobs room imports no domain."""
    if job.hooks_module is None:
        return
    hook = getattr(importlib.import_module(job.hooks_module), name, None)
    if hook is not None:
        hook(session, job)


# ---------------------------------------------------------------- the sweeper's part


def stranded(session: Session, now: datetime) -> Sequence[Any]:
    """Open jobs nothing moves: queued and never sent for the grace period (the broker was
    down), queued and sent long ago but never started (the message was lost), or running
    with a stale heartbeat (the worker died)."""
    settings = get_settings()
    grace = now - timedelta(seconds=settings.job_dispatch_grace_seconds)
    lost = now - timedelta(seconds=settings.redis_visibility_timeout)
    beating = [kind for kind, model in job_kinds().items() if model.beats]
    # Kinds that beat go stale fast; the others (generation: its requests wait in the broker
    # behind other work) only once the broker would have handed a dead worker's work back.
    stale = case(
        (Job.kind.in_(beating), now - timedelta(seconds=settings.job_stale_seconds)),
        else_=lost,
    )
    return session.execute(
        select(Job.id, Job.kind, Job.status, Job.dispatched_at, Job.attempts).where(
            or_(
                and_(
                    Job.status == JobStatus.queued,
                    Job.dispatched_at.is_(None),
                    Job.created_at < grace,
                ),
                and_(Job.status == JobStatus.queued, Job.dispatched_at < lost),
                and_(
                    Job.status == JobStatus.running,
                    or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale),
                    or_(Job.dispatched_at.is_(None), Job.dispatched_at < stale),
                ),
            )
        )
    ).all()


def claim_resend(session: Session, job_id: int, seen: datetime | None, at: datetime) -> bool:
    """Take over re-sending a job, unless another sweeper did since ``seen``."""
    seen_clause = Job.dispatched_at.is_(None) if seen is None else Job.dispatched_at == seen
    return (
        rowcount(
            session,
            update(Job)
            .where(Job.id == job_id, Job.status.not_in(FINISHED_JOB_STATUSES), seen_clause)
            .values(dispatched_at=at)
            .execution_options(synchronize_session=False),
        )
        == 1
    )


def give_up(session: Session, job_id: int) -> None:
    """The job's worker died ``job_max_attempts`` times: fail it rather than loop forever."""
    job = session.get_one(Job, job_id)
    if job.finished:
        return
    job.status = JobStatus.failed
    job.error_code = "worker_lost"
    job.error_message = (
        f"The worker running this job stopped {job.attempts} times; resume it to try again."
    )
    job.finished_at = utcnow()
