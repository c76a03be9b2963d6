"""Celery task for import jobs: read the kept upload, import it with URL fetching on."""

from __future__ import annotations

import logging
from pathlib import Path

from prefhub.items import jobs
from prefhub.items.media import is_zip, open_archive
from prefhub.items.service import import_items
from prefhub.kit.db import unit_of_work
from prefhub.kit.errors import PrefhubError
from prefhub.models import Campaign, ItemStatus
from prefhub.worker import celery_app

log = logging.getLogger(__name__)


def execute_import(job_id: int) -> None:
    """Run one import job; the body of the task and of tests. A finished job is left alone."""
    with unit_of_work() as session:
        job = jobs.start(session, job_id)
        if job is None:
            return
        path, campaign_id = Path(job.upload_path), job.campaign_id
    try:
        data = path.read_bytes()
        # One transaction: the import is all or nothing, as a direct one is.
        with unit_of_work() as session:
            campaign = session.get_one(Campaign, campaign_id)
            if is_zip(data):
                lines, files = open_archive(data)
                items = import_items(session, campaign, lines, files=files, fetch_urls=True)
            else:
                items = import_items(session, campaign, data.splitlines(), fetch_urls=True)
            ready = sum(1 for i in items if i.status == ItemStatus.ready)
            jobs.succeed(session, job_id, len(items), ready)
    except PrefhubError as exc:
        with unit_of_work() as session:
            jobs.fail(session, job_id, exc)
        log.info("import job %s refused: %s", job_id, exc.message)


@celery_app.task(name="prefhub.items.run_import", acks_late=True)
def run_import(job_id: int) -> None:
    execute_import(job_id)
