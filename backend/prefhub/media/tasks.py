"""Celery task for URL fetch jobs: takes an id, fetches outside any transaction, records."""

from __future__ import annotations

import logging

from celery import Task

from prefhub.kit.db import unit_of_work
from prefhub.kit.errors import PrefhubError
from prefhub.media import service
from prefhub.media.exceptions import MediaFetchFailed
from prefhub.media.fetch import fetch
from prefhub.worker import celery_app

log = logging.getLogger(__name__)

RETRIES = 2


def execute_fetch(job_id: int, *, attempt: int = RETRIES) -> None:
    """Fetch one job's URL into the media store; the body of the task and of tests.

    A refused or unusable URL fails the job with its error code; a failed connection is
    raised so the task can try again (``attempt`` counts what is left).
    """
    with unit_of_work() as session:
        url = service.start_fetch(session, job_id)
    if url is None:
        return
    try:
        data = fetch(url)
        with unit_of_work() as session:
            service.finish_fetch(session, job_id, data)
    except MediaFetchFailed as exc:
        if attempt > 0:
            raise
        _fail(job_id, exc)
    except PrefhubError as exc:
        _fail(job_id, exc)


def _fail(job_id: int, error: PrefhubError) -> None:
    log.info("media fetch %s failed: %s", job_id, error.message)
    with unit_of_work() as session:
        service.fail_fetch(session, job_id, error)


@celery_app.task(name="prefhub.media.fetch_media", bind=True, acks_late=True)
def fetch_media(self: Task, job_id: int) -> None:
    left = RETRIES - self.request.retries
    try:
        execute_fetch(job_id, attempt=left)
    except MediaFetchFailed as exc:
        raise self.retry(countdown=5 * 2**self.request.retries, exc=exc) from exc
