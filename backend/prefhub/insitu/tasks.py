"""In-situ upkeep in the background: every worker sends ``prefhub.insitu.maintain`` every
``insitu_maintenance_seconds`` (by name, with an expiry, so a backlog never piles up); the task
deletes what the sources' retention has expired and derives the conversations that got events.
Retention does not wait for anyone to look: it runs whether or not anybody exports."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from sqlalchemy import select

from prefhub.insitu import export_jobs, judge
from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.erasure import enforce_retention
from prefhub.kit import periodic
from prefhub.kit.db import unit_of_work
from prefhub.kit.time import utcnow
from prefhub.models import FeedbackSource, InsituExportJob, InsituJudgeJob
from prefhub.settings import get_settings
from prefhub.worker import celery_app

log = logging.getLogger(__name__)
MAINTAIN = "prefhub.insitu.maintain"
RUN_EXPORT = InsituExportJob.task_name
RUN_JUDGE = InsituJudgeJob.task_name


@celery_app.task(name=RUN_EXPORT, acks_late=True)
def run_export(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    export_jobs.execute(job_id)


@celery_app.task(name=RUN_JUDGE, acks_late=True)
def run_judge(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    judge.execute(job_id)


@celery_app.task(name=MAINTAIN, acks_late=True)
def maintain_task() -> int:
    """One round; returns how many conversations retention removed."""
    return maintain()


def maintain() -> int:
    with unit_of_work() as session:
        removed = enforce_retention(session, utcnow())
    if removed:
        log.info("retention removed %s in-situ conversation(s)", removed)
    with unit_of_work(read_only=True) as session:
        sources = list(session.scalars(select(FeedbackSource.id)))
    for source_id in sources:
        with unit_of_work() as session:
            derive_pending(session, source_id, rounds=5)
    return removed


def send_round() -> None:
    interval = get_settings().insitu_maintenance_seconds
    celery_app.send_task(MAINTAIN, expires=max(interval, 1.0))


@worker_ready.connect
def _maintain_while_running(**_: object) -> None:
    periodic.every(get_settings().insitu_maintenance_seconds, send_round, name="insitu-upkeep")
