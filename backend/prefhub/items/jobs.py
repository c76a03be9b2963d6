"""Imports a worker runs: files whose media parts name URLs (fetched safely, by the worker).

The upload is kept under ``{data_dir}/imports`` until the job has run; the import itself is the
same all-or-nothing ``import_items`` as a direct one, with ``fetch_urls`` on.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from prefhub.items.exceptions import ImportJobNotFound
from prefhub.items.service import refuse_tree_campaign
from prefhub.jobs import service as jobs
from prefhub.models import Campaign, ImportJob, User
from prefhub.settings import get_settings


def uploads_dir() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_job(
    session: Session,
    campaign: Campaign,
    user: User,
    data: bytes,
    filename: str,
    *,
    idempotency_key: str | None = None,
) -> ImportJob:
    refuse_tree_campaign(campaign)  # before the upload is kept: no job, no file left behind
    path = uploads_dir() / f"{uuid.uuid4().hex}.upload"
    path.write_bytes(data)
    job = ImportJob(
        campaign_id=campaign.id, filename=filename[:300], upload_path=str(path.resolve())
    )
    made = jobs.create(session, job, owner=user, idempotency_key=idempotency_key)
    if made is not job:  # a retried request: the first upload is the one that runs
        path.unlink(missing_ok=True)
    return made


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise ImportJobNotFound(f"No import job {job_id}")
    return job


def succeed(session: Session, job_id: int, imported: int, ready: int) -> None:
    job = session.get_one(ImportJob, job_id)
    job.imported, job.ready = imported, ready
    job.progress_done = job.progress_total = imported
    jobs.succeed(job)


def discard_upload(session: Session, job_id: int) -> None:
    """The upload is read; a finished job (either way) no longer needs it."""
    Path(session.get_one(ImportJob, job_id).upload_path).unlink(missing_ok=True)
