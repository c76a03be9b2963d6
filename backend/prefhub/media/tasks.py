"""Celery task for URL fetch jobs: takes an id, fetches outside any transaction, records."""

from __future__ import annotations

import time

from prefhub.jobs import runner
from prefhub.kit.db import unit_of_work
from prefhub.media import service
from prefhub.media.exceptions import MediaFetchFailed
from prefhub.media.fetch import fetch
from prefhub.worker import celery_app

# A failed connection is tried again this many times, after 5 s, then 10 s.
RETRIES = 2
BACKOFF_S = 5.0


def execute_fetch(job_id: int, *, retries: int = RETRIES, backoff_s: float = BACKOFF_S) -> None:
    """Fetch one job's URL into the media store; the body of the task and of tests.

    A refused or unusable URL fails the job with its error code; a failed connection is tried
    again ``retries`` times before it does."""

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            url = service.url_of(session, job_id)
        for attempt in range(retries + 1):
            try:
                data = fetch(url)
                break
            except MediaFetchFailed:
                if attempt == retries:
                    raise
                context.check()
                time.sleep(backoff_s * 2**attempt)
        with unit_of_work() as session:
            service.finish_fetch(session, job_id, data)

    runner.run(job_id, body)


@celery_app.task(name="prefhub.media.fetch_media", acks_late=True)
def fetch_media(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    execute_fetch(job_id)
