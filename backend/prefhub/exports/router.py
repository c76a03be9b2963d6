from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session

from prefhub.auth.dependencies import ManagedCampaign, StaffUser
from prefhub.auth.policies import can_manage_campaign
from prefhub.exports import jobs as export_jobs
from prefhub.exports import service
from prefhub.exports.exceptions import ExportFileNotFound, ExportNotFound, ExportNotReady
from prefhub.exports.schemas import (
    ExportFile,
    ExportFormatList,
    ExportJobList,
    ExportJobOut,
    ExportOptions,
    ExportOptionsOut,
    ExportProgress,
)
from prefhub.jobs.dependencies import IdempotencyKey
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, ExportJob, User

router = APIRouter(prefix="/api", tags=["exports"])
MEDIA_TYPES = {
    ".json": "application/json",  # manifest.json; croissant.json is JSON-LD, also JSON
    ".jsonl": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".md": "text/markdown; charset=utf-8",
}


class ExportFileResponse(FileResponse):
    """A file of an export: data files run to gigabytes, and reading and sending them 1 MiB at
    a time costs the API process a sixteenth of the hops Starlette's 64 KiB chunks do."""

    chunk_size = 1 << 20


def _out(job: ExportJob, campaign: Campaign) -> ExportJobOut:
    return ExportJobOut(
        id=job.id,
        campaign_slug=campaign.slug,
        format=job.format,
        options=ExportOptionsOut.model_validate(job.options),
        status=job.status,
        progress=ExportProgress(done=job.progress_done, total=job.progress_total),
        row_count=job.row_count,
        files=[ExportFile(**f) for f in service.listed_files(job)],
        error=job.error_message,
        error_code=job.error_code,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _owned_job(session: Session, user: User, job_id: int) -> tuple[ExportJob, Campaign]:
    """An export of a campaign the user manages; any other is 404 ``export_not_found``."""
    job = export_jobs.get_job(session, job_id)
    campaign = session.get_one(Campaign, job.campaign_id)
    if not can_manage_campaign(user, campaign):
        raise ExportNotFound(f"No export job {job_id}")
    return job, campaign


@router.post(
    "/campaigns/{slug}/exports",
    response_model=ExportJobOut,
    status_code=status.HTTP_202_ACCEPTED,
)
def start_export(
    campaign: ManagedCampaign,
    options: ExportOptions,
    user: StaffUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> ExportJobOut:
    job = export_jobs.create_job(session, campaign, user, options, idempotency_key=idempotency_key)
    return _out(job, campaign)


@router.get("/campaigns/{slug}/exports", response_model=ExportJobList)
def list_exports(campaign: ManagedCampaign, session: SessionDep) -> ExportJobList:
    return ExportJobList(
        exports=[_out(j, campaign) for j in export_jobs.jobs_for(session, campaign)],
        candidate_media=service.campaign_candidate_media(session, campaign),
    )


@router.get("/exports/formats", response_model=ExportFormatList)
def list_formats(user: StaffUser) -> ExportFormatList:
    """Every export format: what its rows hold, which campaigns can give it, its options."""
    return service.describe_formats()


@router.get("/exports/{job_id}", response_model=ExportJobOut)
def get_export(job_id: PathId, user: StaffUser, session: SessionDep) -> ExportJobOut:
    return _out(*_owned_job(session, user, job_id))


@router.get(
    # ``:path``: media files are named ``media/<sha256>.<ext>``.
    "/exports/{job_id}/files/{name:path}",
    response_class=FileResponse,
    responses=errors(ExportNotReady, ExportFileNotFound),
)
def download(job_id: PathId, name: str, user: StaffUser, session: SessionDep) -> FileResponse:
    """One file the export recorded (``files`` in the job lists them, manifest.json too)."""
    job, _ = _owned_job(session, user, job_id)
    path = service.file_path(session, job, name)
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return ExportFileResponse(path, media_type=media_type, filename=path.name)


@router.get(
    "/exports/{job_id}/archive",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The export folder as a zip"},
        **errors(ExportNotReady, ExportFileNotFound),
    },
)
def download_archive(job_id: PathId, user: StaffUser, session: SessionDep) -> StreamingResponse:
    """Every file of a succeeded export (data file, media/, README.md, croissant.json,
    manifest.json) as one zip, streamed as it is made; 409 ``export_not_ready`` until the
    export has succeeded."""
    archive = service.archive(*_owned_job(session, user, job_id))
    return StreamingResponse(
        archive.chunks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{archive.filename}"'},
    )
