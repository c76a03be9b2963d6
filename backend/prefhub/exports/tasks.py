"""Celery task for export jobs: takes an id, opens its own transactions, calls the service."""

from __future__ import annotations

import logging
import time

from prefhub.campaigns.service import get_by_slug
from prefhub.exports import service
from prefhub.exports.schemas import ExportOptions
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, ExportJob, ExportStatus
from prefhub.worker import celery_app

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 1.0


def execute_export(job_id: int, destination=None, on_progress=None) -> ExportJob | None:  # type: ignore[no-untyped-def]
    """Run one export job to completion; the body of the Celery task and of ``prefhub export``.

    Running it twice is harmless: a finished job is left alone, a half-done one starts over.
    """
    with unit_of_work() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status == ExportStatus.succeeded:
            return job
        service.mark_running(session, job)
        campaign = session.get_one(Campaign, job.campaign_id)
        slug = campaign.slug
        options = ExportOptions.model_validate(job.options)
        folder = destination or service.default_folder(campaign, job)

    recorded = [0.0]  # when progress was last written

    def progress(done: int, total: int) -> None:
        # A commit per batch would stall the export; once a second is enough for a watcher.
        now = time.monotonic()
        if done >= total or now - recorded[0] >= PROGRESS_EVERY_S:
            recorded[0] = now
            with unit_of_work() as progress_session:
                service.record_progress(progress_session, job_id, done, total)
        if on_progress:
            on_progress(done, total)

    try:
        # One snapshot: rows, counts and the card agree even while annotators keep submitting.
        with unit_of_work(read_only=True, snapshot=True) as session:
            manifest = service.write_export(
                session, get_by_slug(session, slug), options, folder, progress
            )
    except Exception as exc:
        with unit_of_work() as session:
            service.mark_failed(session, session.get_one(ExportJob, job_id), str(exc))
        raise
    with unit_of_work() as session:
        job = session.get_one(ExportJob, job_id)
        service.mark_succeeded(session, job, folder, manifest)
    log.info("export %s done: %s rows in %s", job_id, manifest["counts"]["rows"], folder)
    return job


@celery_app.task(name="prefhub.exports.run_export", acks_late=True)
def run_export(job_id: int) -> None:
    execute_export(job_id)
