"""Imports a worker runs: files whose media parts name URLs (fetched safely, by the worker).

The upload is kept under ``{data_dir}/imports`` until the job has run; the import itself is the
same all-or-nothing ``import_items`` as a direct one, with ``fetch_urls`` on.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from prefhub.items.exceptions import ImportJobNotFound
from prefhub.kit.enqueue import enqueue_after_commit
from prefhub.kit.errors import PrefhubError
from prefhub.kit.time import utcnow
from prefhub.models import Campaign, ImportJob, ImportJobStatus, User
from prefhub.settings import get_settings

FINISHED = (ImportJobStatus.succeeded, ImportJobStatus.failed)


def uploads_dir() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_job(
    session: Session, campaign: Campaign, user: User, data: bytes, filename: str
) -> ImportJob:
    path = uploads_dir() / f"{uuid.uuid4().hex}.upload"
    path.write_bytes(data)
    job = ImportJob(
        campaign_id=campaign.id,
        created_by_id=user.id,
        status=ImportJobStatus.queued,
        filename=filename[:300],
        upload_path=str(path.resolve()),
    )
    session.add(job)
    session.flush()
    from prefhub.items.tasks import run_import  # tasks import this module

    enqueue_after_commit(session, run_import, job.id, expires=24 * 3600)
    return job


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise ImportJobNotFound(f"No import job {job_id}")
    return job


def start(session: Session, job_id: int) -> ImportJob | None:
    job = session.get(ImportJob, job_id)
    if job is None or job.status in FINISHED:
        return None
    job.status = ImportJobStatus.running
    return job


def succeed(session: Session, job_id: int, imported: int, ready: int) -> None:
    job = session.get_one(ImportJob, job_id)
    job.status = ImportJobStatus.succeeded
    job.imported, job.ready = imported, ready
    job.finished_at = utcnow()
    Path(job.upload_path).unlink(missing_ok=True)


def fail(session: Session, job_id: int, error: PrefhubError) -> None:
    job = session.get_one(ImportJob, job_id)
    job.status = ImportJobStatus.failed
    job.error = error.to_body()["error"]
    job.finished_at = utcnow()
    Path(job.upload_path).unlink(missing_ok=True)
