"""Celery task for export jobs: takes an id; the jobs runner claims, beats and finishes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from prefhub.campaigns.service import get_by_slug
from prefhub.exports import jobs as export_jobs
from prefhub.exports import service
from prefhub.exports.schemas import ExportOptions
from prefhub.jobs import runner
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, ExportJob
from prefhub.worker import celery_app

log = logging.getLogger(__name__)


def execute_export(
    job_id: int,
    destination: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ExportJob | None:
    """Run one export job to completion; the body of the Celery task and of ``prefhub export``.

    Running it twice is harmless: a finished (or running) job is left alone, and a run that
    starts over after a dead worker or a lost connection clears the half-written folder.
    """

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            job = session.get_one(ExportJob, job_id)
            campaign = session.get_one(Campaign, job.campaign_id)
            slug = campaign.slug
            options = ExportOptions.model_validate(job.options)
            folder = destination or service.default_folder(campaign, job)

        def progress(done: int, total: int) -> None:
            context.progress(done, total)
            if on_progress:
                on_progress(done, total)

        # One snapshot: rows, counts and the card agree even while annotators keep submitting.
        with unit_of_work(read_only=True, snapshot=True) as session:
            manifest = service.write_export(
                session, get_by_slug(session, slug), options, folder, progress
            )
        with unit_of_work() as session:
            export_jobs.record_result(session.get_one(ExportJob, job_id), folder, manifest)
        log.info("export %s done: %s rows in %s", job_id, manifest["counts"]["rows"], folder)

    runner.run(job_id, body)
    with unit_of_work(read_only=True) as session:
        return session.get(ExportJob, job_id)


@celery_app.task(name="prefhub.exports.run_export", acks_late=True)
def run_export(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    execute_export(job_id)
