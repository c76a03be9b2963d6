"""Export jobs: what the jobs room needs to run one, and what the export API lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from prefhub.exports.exceptions import ExportNotFound
from prefhub.exports.schemas import ExportOptions
from prefhub.exports.service import check_supported, recorded_files
from prefhub.jobs import service as jobs
from prefhub.models import Campaign, ExportJob, User


def create_job(
    session: Session,
    campaign: Campaign,
    user: User | None,
    options: ExportOptions,
    *,
    send: bool = True,
    idempotency_key: str | None = None,
) -> ExportJob:
    """A queued export, sent to the workers after commit (``send=False``: the caller runs it
    here, as ``prefhub export`` does)."""
    check_supported(campaign, options)
    job = ExportJob(
        campaign_id=campaign.id,
        format=options.format,
        options=options.model_dump(mode="json"),
    )
    return jobs.create(session, job, owner=user, idempotency_key=idempotency_key, send_now=send)


def get_job(session: Session, job_id: int) -> ExportJob:
    job = session.get(ExportJob, job_id)
    if job is None:
        raise ExportNotFound(f"No export job {job_id}")
    return job


def jobs_for(session: Session, campaign: Campaign) -> list[ExportJob]:
    return jobs.of_campaign(session, ExportJob, campaign.id)


def record_result(job: ExportJob, folder: Path, manifest: dict[str, Any]) -> None:
    """The files written (manifest.json too, checksummed now it is written) and their
    counts; the job succeeds in the same transaction."""
    job.folder = str(folder.resolve())
    job.files = recorded_files(folder, manifest)
    counts = manifest["counts"]
    job.row_count = counts["rows"]
    job.progress_done = job.progress_total = counts.get("judgments", counts.get("trees", 0))
    jobs.succeed(job)
