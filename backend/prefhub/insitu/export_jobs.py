"""In-situ exports as background jobs of the jobs room: created here, run by the
``prefhub.insitu.run_export`` task (``tasks.py``), their files served by the source's owner."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.exports.exceptions import ExportFileNotFound, ExportNotReady
from prefhub.exports.service import MANIFEST_NAME, file_entry
from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.exceptions import InsituExportNotFound
from prefhub.insitu.export import InsituExportOptions, write_insitu_export
from prefhub.insitu.service import can_manage_source
from prefhub.jobs import runner
from prefhub.jobs import service as jobs
from prefhub.kit.db import unit_of_work
from prefhub.models import FeedbackSource, InsituExportJob, JobStatus, User
from prefhub.settings import get_settings

log = logging.getLogger(__name__)


def create_export(
    session: Session,
    source: FeedbackSource,
    user: User,
    options: InsituExportOptions,
    idempotency_key: str | None = None,
) -> InsituExportJob:
    job = InsituExportJob(
        source_id=source.id, format=options.format, options=options.model_dump(mode="json")
    )
    return jobs.create(session, job, owner=user, idempotency_key=idempotency_key)


def exports_of(session: Session, source: FeedbackSource) -> list[InsituExportJob]:
    return list(
        session.scalars(
            select(InsituExportJob)
            .where(InsituExportJob.source_id == source.id)
            .order_by(InsituExportJob.id.desc())
            .limit(100)
        )
    )


def managed_export(session: Session, user: User, job_id: int) -> tuple[InsituExportJob, str]:
    """The job and its source's slug, for whoever manages the source; 404 otherwise, as for
    an id no job has."""
    found = session.execute(
        select(InsituExportJob, FeedbackSource)
        .join(FeedbackSource, FeedbackSource.id == InsituExportJob.source_id)
        .where(InsituExportJob.id == job_id)
    ).first()
    if found is None or not can_manage_source(user, found[1]):
        raise InsituExportNotFound(f"No in-situ export {job_id}")
    return found[0], found[1].slug


def file_path(job: InsituExportJob, name: str) -> Path:
    """Only files the job recorded can be served: no path tricks."""
    if job.status != JobStatus.succeeded or not job.folder:
        raise ExportNotReady(f"Export {job.id} is {job.status.value}")
    if name not in {entry["name"] for entry in job.files}:
        raise ExportFileNotFound(f"Export {job.id} has no file '{name}'")
    return Path(job.folder) / name


def folder_of(slug: str, job: InsituExportJob) -> Path:
    return get_settings().export_root / f"insitu-{slug}-{job.format}-{job.id:06d}"


def execute(job_id: int) -> None:
    """Run one export job to its end (the task's body): derive what is pending, write the
    folder from one snapshot, record its files; a run after a crash that left the complete
    folder records it."""

    def body(context: runner.RunContext) -> None:
        with unit_of_work(read_only=True) as session:
            job = session.get_one(InsituExportJob, job_id)
            source = session.get_one(FeedbackSource, job.source_id)
            folder = folder_of(source.slug, job)
            options = InsituExportOptions.model_validate(job.options)
        manifest = _written_earlier(folder, options.format)
        if manifest is None:
            with unit_of_work() as session:
                derive_pending(session, job.source_id)
            with unit_of_work(read_only=True, snapshot=True) as session:
                source = session.get_one(FeedbackSource, job.source_id)
                manifest = write_insitu_export(session, source, options, folder)
        with unit_of_work() as session:
            job = session.get_one(InsituExportJob, job_id)
            job.folder = str(folder.resolve())
            job.files = [*manifest["files"], file_entry(folder, MANIFEST_NAME)]
            job.row_count = manifest["counts"]["rows"]
            job.progress_done = job.progress_total = job.row_count
            jobs.succeed(job)
        log.info("in-situ export %s done: %s rows in %s", job_id, job.row_count, folder)

    runner.run(job_id, body)


def _written_earlier(folder: Path, fmt: str) -> dict[str, Any] | None:
    # Renamed into place only when complete: a folder with its manifest is this job's own.
    manifest_path = folder / MANIFEST_NAME
    if folder.is_symlink() or not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == fmt else None
