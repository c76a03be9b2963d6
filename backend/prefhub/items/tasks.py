"""Celery task for import jobs: read the kept upload, import it with URL fetching on."""

from __future__ import annotations

from pathlib import Path

from prefhub.items import jobs
from prefhub.items.media import is_zip, media_urls, open_archive, prefetch_urls
from prefhub.items.service import import_items
from prefhub.jobs import runner
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, ImportJob, ItemStatus
from prefhub.worker import celery_app


def execute_import(job_id: int) -> None:
    """Run one import job; the body of the task and of tests. A finished job is left alone;
    a refused file fails the job with its line errors; either way the upload is removed."""

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            job = session.get_one(ImportJob, job_id)
            path, campaign_id = Path(job.upload_path), job.campaign_id
        data = path.read_bytes()
        files = None
        if is_zip(data):
            lines, files = open_archive(data)
        else:
            lines = data.splitlines()
        # The URLs first, outside any transaction: slow servers must not hold the database.
        fetched = prefetch_urls(media_urls(lines))
        context.check()
        # One transaction: the import is all or nothing, as a direct one is.
        with unit_of_work() as session:
            campaign = session.get_one(Campaign, campaign_id)
            items = import_items(
                session, campaign, lines, files=files, fetch_urls=True, prefetched=fetched
            )
            ready = sum(1 for i in items if i.status == ItemStatus.ready)
            context.check()
            jobs.succeed(session, job_id, len(items), ready)

    if runner.run(job_id, body):
        with unit_of_work() as session:
            jobs.discard_upload(session, job_id)


@celery_app.task(name="prefhub.items.run_import", acks_late=True)
def run_import(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    execute_import(job_id)
