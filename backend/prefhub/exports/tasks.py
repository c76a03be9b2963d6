"""Celery task for export jobs: takes an id; the jobs runner claims, beats and finishes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

    Running it twice is harmless: a finished (or running) job is left alone, a run that
    starts over after a dead worker or a lost connection clears the half-written folder, and
    one that finds the complete folder an earlier run wrote but could not record records it.
    """

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            job = session.get_one(ExportJob, job_id)
            campaign = session.get_one(Campaign, job.campaign_id)
            slug, created_at = campaign.slug, job.created_at
            options = ExportOptions.model_validate(job.options)
            folder = destination or service.default_folder(campaign, job)

        def progress(done: int, total: int) -> None:
            context.progress(done, total)
            if on_progress:
                on_progress(done, total)

        manifest = _written_earlier(folder, created_at, slug, options.format)
        if manifest is None:
            # One snapshot: rows, counts and card agree while annotators keep submitting.
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


def _written_earlier(
    folder: Path, job_created_at: datetime, slug: str, fmt: str
) -> dict[str, Any] | None:
    """The manifest of the complete folder an earlier run of this job wrote (it is renamed
    into place only when complete) but did not record: its worker died, or the database
    dropped the transaction that records it. Only a folder written after the job was
    created, for its campaign and format, is the job's own; anything else stays refused."""
    manifest_path = folder / "manifest.json"
    if folder.is_symlink() or manifest_path.is_symlink() or not manifest_path.is_file():
        return None
    written = datetime.fromtimestamp(manifest_path.stat().st_mtime, UTC).replace(tzinfo=None)
    if written < job_created_at:
        return None
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != fmt
        or (manifest.get("campaign") or {}).get("slug") != slug
        or not all((folder / f["name"]).is_file() for f in manifest.get("files", []))
    ):
        return None
    log.info("export folder %s was written by an earlier run; recording it", folder)
    return manifest


@celery_app.task(name="prefhub.exports.run_export", acks_late=True)
def run_export(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    execute_export(job_id)
