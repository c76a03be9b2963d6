from __future__ import annotations

from fastapi import APIRouter, Query, UploadFile, status

from prefhub.auth.dependencies import ManagedCampaign, StaffUser
from prefhub.auth.policies import can_manage_campaign
from prefhub.campaigns.exceptions import CampaignClosed
from prefhub.items import jobs, service
from prefhub.items.exceptions import (
    DirectImportTooLarge,
    ImportJobNotFound,
    TreeCampaignHasNoItems,
    UploadTooLarge,
)
from prefhub.items.media import is_zip, open_archive
from prefhub.items.schemas import CandidateOut, ImportJobOut, ImportResult, ItemOut, ItemPage
from prefhub.jobs.dependencies import IdempotencyKey
from prefhub.kit.bounds import Offset, PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import InvalidText
from prefhub.kit.json_input import text_problem
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, ImportJob, ItemStatus
from prefhub.settings import get_settings

router = APIRouter(prefix="/api/campaigns/{slug}/items", tags=["items"])
jobs_router = APIRouter(prefix="/api/import-jobs", tags=["items"])


def _upload(file: UploadFile) -> bytes:
    problem = text_problem(file.filename or "")
    if problem:
        raise InvalidText(f"file name: {problem}", details=[{"field": "file", "message": problem}])
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"The file is larger than {limit} bytes")
    return data


def _job_out(job: ImportJob) -> ImportJobOut:
    return ImportJobOut(
        id=job.id,
        status=job.status,
        filename=job.filename,
        imported=job.imported,
        ready=job.ready,
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        error=None
        if job.error_code is None
        else {"code": job.error_code, "message": job.error_message, "details": job.error_details},
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post(
    "/import",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    responses=errors(TreeCampaignHasNoItems, CampaignClosed, DirectImportTooLarge),
)
def import_items(campaign: ManagedCampaign, file: UploadFile, session: SessionDep) -> ImportResult:
    """A JSONL file, or a zip archive holding one JSONL file and the media files its
    ``path`` parts name (relative to the JSONL). Files with ``url`` parts go to import-jobs.
    A conversation-tree campaign has no items: it refuses every import (409). A file of more
    than 1,000 items is refused (413): import-jobs writes it in batches, without holding
    annotators."""
    service.refuse_import(campaign)  # before the upload is read
    data = _upload(file)
    if is_zip(data):
        lines, files = open_archive(data)
        service.refuse_large_direct_import(lines, campaign.slug)
        items = service.import_items(session, campaign, lines, files=files)
    else:
        lines = data.splitlines()
        service.refuse_large_direct_import(lines, campaign.slug)
        items = service.import_items(session, campaign, lines)
    return ImportResult(
        imported=len(items), ready=sum(1 for i in items if i.status == ItemStatus.ready)
    )


@router.post(
    "/import-jobs",
    response_model=ImportJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(TreeCampaignHasNoItems, CampaignClosed),
)
def create_import_job(
    campaign: ManagedCampaign,
    file: UploadFile,
    user: StaffUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> ImportJobOut:
    """Like ``/import``, run by a worker, which also fetches the media that ``url`` parts name
    (http(s) only, never private or loopback addresses), for files of any size: written in
    batches, visible to annotators all at once at the end. Poll ``GET /api/import-jobs/{id}``
    (``progress_done`` of ``progress_total`` items written).
    A conversation-tree campaign refuses it at once (409): no job is made."""
    service.refuse_import(campaign)  # before the upload is read or kept
    job = jobs.create_job(
        session,
        campaign,
        user,
        _upload(file),
        file.filename or "",
        idempotency_key=idempotency_key,
    )
    return _job_out(job)


@jobs_router.get("/{job_id}", response_model=ImportJobOut)
def get_import_job(job_id: PathId, user: StaffUser, session: SessionDep) -> ImportJobOut:
    job = jobs.get_job(session, job_id)
    campaign = session.get_one(Campaign, job.campaign_id)
    if not can_manage_campaign(user, campaign):
        raise ImportJobNotFound(f"No import job {job_id}")
    return _job_out(job)


@router.get("", response_model=ItemPage)
def list_items(
    campaign: ManagedCampaign,
    session: SessionDep,
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
) -> ItemPage:
    items, total = service.list_items(session, campaign, limit=limit, offset=offset)
    return ItemPage(
        items=[
            ItemOut(
                id=i.id,
                external_id=i.external_id,
                status=i.status,
                context=i.context,
                metadata=i.extra,
                language=i.language,
                is_gold=i.is_gold,
                judgment_count=i.judgment_count,
                candidates=[
                    CandidateOut(id=c.id, content=c.content, model_name=c.model_name, round=c.round)
                    for c in i.candidates
                ],
            )
            for i in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
