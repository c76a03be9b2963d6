"""Feedback sources for researchers, and the ingestion route for a chat product's key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from prefhub.auth.dependencies import StaffUser, managed_campaign
from prefhub.campaigns.exceptions import CampaignNotFound
from prefhub.exports.exceptions import ExportFileNotFound, ExportNotReady
from prefhub.generation.exceptions import ModelNotFound
from prefhub.insitu import erasure, export_jobs, ingest, judge, service, stats, verification
from prefhub.insitu.exceptions import (
    BatchTooLarge,
    CampaignCannotVerify,
    IngestKeyNotFound,
    IngestRateLimited,
    InsituExportNotFound,
    InvalidBatch,
    InvalidIngestKey,
    InvalidRedactionPolicy,
    NothingToVerify,
    SourceExists,
    SourceNotFound,
    UnsupportedBatchType,
)
from prefhub.insitu.export import InsituExportOptions
from prefhub.insitu.schemas import (
    ErasureRequest,
    ErasureResult,
    IngestKeyCreate,
    IngestKeyCreated,
    IngestKeyList,
    IngestKeyOut,
    IngestResult,
    InsituExportFile,
    InsituExportList,
    InsituExportOut,
    JudgeJobCreate,
    RedactionPolicyIn,
    SourceCreate,
    SourceList,
    SourceOut,
    SourceStats,
    SourceUpdate,
    VerificationRequest,
    VerificationSent,
)
from prefhub.jobs.schemas import JobOut
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.kit.time import utcnow
from prefhub.models import FeedbackSource, IngestKey, InsituExportJob

router = APIRouter(prefix="/api/feedback-sources", tags=["in-situ feedback"])
ingest_router = APIRouter(prefix="/api/ingest", tags=["in-situ feedback"])
exports_router = APIRouter(prefix="/api/insitu-exports", tags=["in-situ feedback"])

ingest_key = HTTPBearer(
    scheme_name="ingest_key",
    description="A feedback source's write-only ingestion key (phi_...).",
    auto_error=False,
)


def _source_out(source: FeedbackSource, volume: service.Volume) -> SourceOut:
    return SourceOut(
        slug=source.slug,
        name=source.name,
        retention_days=source.retention_days,
        redaction=RedactionPolicyIn(**source.redaction),
        consent_basis=source.consent_basis,
        created_at=source.created_at,
        conversations=volume.conversations,
        events=volume.events,
    )


def _key_out(key: IngestKey) -> IngestKeyOut:
    return IngestKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.token_prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.get("", response_model=SourceList)
def list_sources(user: StaffUser, session: SessionDep) -> SourceList:
    """The caller's sources (an admin's: all)."""
    sources = service.list_sources(session, user)
    volumes = service.volumes(session, [s.id for s in sources])
    return SourceList(sources=[_source_out(s, volumes[s.id]) for s in sources])


@router.post(
    "",
    response_model=SourceOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(SourceExists, InvalidRedactionPolicy),
)
def create_source(body: SourceCreate, user: StaffUser, session: SessionDep) -> SourceOut:
    """Register a chat product as a feedback source; make it an ingestion key next."""
    source = service.create_source(session, user, body)
    return _source_out(source, service.Volume(0, 0))


@router.get("/{slug}", response_model=SourceOut, responses=errors(SourceNotFound))
def get_source(slug: str, user: StaffUser, session: SessionDep) -> SourceOut:
    source = service.managed_source(session, user, slug)
    return _source_out(source, service.volumes(session, [source.id])[source.id])


@router.patch(
    "/{slug}", response_model=SourceOut, responses=errors(SourceNotFound, InvalidRedactionPolicy)
)
def update_source(slug: str, body: SourceUpdate, user: StaffUser, session: SessionDep) -> SourceOut:
    """Change the name, retention, redaction or consent basis. A new redaction policy applies
    to what arrives from now on; a shorter retention applies at the next upkeep round."""
    source = service.managed_source(session, user, slug)
    service.update_source(session, source, body)
    return _source_out(source, service.volumes(session, [source.id])[source.id])


@router.get("/{slug}/stats", response_model=SourceStats, responses=errors(SourceNotFound))
def source_stats(
    slug: str,
    user: StaffUser,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> SourceStats:
    """Volume per day over the last ``days`` (UTC), events by type, derived rows by signal with
    their verification agreement, and the conversations still waiting for derivation."""
    source = service.managed_source(session, user, slug)
    return stats.source_stats(session, source, days, utcnow())


@router.post(
    "/{slug}/verification",
    response_model=VerificationSent,
    responses=errors(SourceNotFound, CampaignNotFound, CampaignCannotVerify, NothingToVerify),
)
def send_for_verification(
    slug: str, body: VerificationRequest, user: StaffUser, session: SessionDep
) -> VerificationSent:
    """Send a random sample of derived rows, not sent before, into one of your campaigns as
    items, for annotators to confirm or overturn; the source's stats then report each
    signal's agreement with people."""
    source = service.managed_source(session, user, slug)
    campaign = managed_campaign(session, user, body.campaign, for_update=True)
    sent = verification.send_sample(
        session, source, campaign, sample=body.sample, signals=body.signals, seed=body.seed
    )
    return VerificationSent(campaign=campaign.slug, kind=verification.kind_for(campaign), sent=sent)


@router.post(
    "/{slug}/judge-jobs",
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(SourceNotFound, ModelNotFound),
)
def create_judge_job(
    slug: str, body: JudgeJobCreate, user: StaffUser, session: SessionDep
) -> JobOut:
    """Have a registered model read each answered assistant turn's next user message and say
    SAT, DSAT or NEUTRAL (the ``judge`` signal); follow it at ``GET /api/jobs/{id}``."""
    source = service.managed_source(session, user, slug)
    return JobOut.of(judge.create_job(session, source, user, body.model, body.max_turns))


@router.get("/{slug}/keys", response_model=IngestKeyList, responses=errors(SourceNotFound))
def list_keys(slug: str, user: StaffUser, session: SessionDep) -> IngestKeyList:
    source = service.managed_source(session, user, slug)
    return IngestKeyList(keys=[_key_out(k) for k in service.list_keys(session, source)])


@router.post(
    "/{slug}/keys",
    response_model=IngestKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(SourceNotFound),
)
def create_key(
    slug: str, body: IngestKeyCreate, user: StaffUser, session: SessionDep
) -> IngestKeyCreated:
    """A write-only key for ``POST /api/ingest/{slug}/events``: it can send this source's
    events and nothing else (every other route answers it 401). Shown once."""
    source = service.managed_source(session, user, slug)
    row, key = service.create_key(session, source, body.name)
    return IngestKeyCreated(**_key_out(row).model_dump(), key=key)


@router.delete(
    "/{slug}/keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(SourceNotFound, IngestKeyNotFound),
)
def revoke_key(slug: str, key_id: PathId, user: StaffUser, session: SessionDep) -> Response:
    source = service.managed_source(session, user, slug)
    service.revoke_key(session, source, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{slug}/erasure", response_model=ErasureResult, responses=errors(SourceNotFound))
def erase_user(
    slug: str, body: ErasureRequest, user: StaffUser, session: SessionDep
) -> ErasureResult:
    """A data subject's request: delete every conversation the product's user ``user_id`` took
    part in, with its events and derived rows. Exports made from now on hold nothing of them."""
    source = service.managed_source(session, user, slug)
    erased = erasure.erase_user(session, source, body.user_id)
    return ErasureResult(
        conversations=erased.conversations,
        events=erased.events,
        derived=erased.derived,
        verification_items=erased.verification_items,
    )


def _export_out(job: InsituExportJob, slug: str) -> InsituExportOut:
    return InsituExportOut(
        id=job.id,
        source_slug=slug,
        format=job.format,
        options=job.options,
        status=job.status.value,
        row_count=job.row_count,
        files=[InsituExportFile(**entry) for entry in job.files],
        error_code=job.error_code,
        error_message=job.error_message,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post(
    "/{slug}/exports",
    response_model=InsituExportOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(SourceNotFound),
)
def create_export(
    slug: str, body: InsituExportOptions, user: StaffUser, session: SessionDep
) -> InsituExportOut:
    """Export the source's derived rows (``dpo``, ``kto`` or ``judgments``) as a background
    job; poll ``GET /api/insitu-exports/{job_id}`` and download its files when it succeeded."""
    source = service.managed_source(session, user, slug)
    return _export_out(export_jobs.create_export(session, source, user, body), slug)


@router.get("/{slug}/exports", response_model=InsituExportList, responses=errors(SourceNotFound))
def list_exports(slug: str, user: StaffUser, session: SessionDep) -> InsituExportList:
    source = service.managed_source(session, user, slug)
    return InsituExportList(
        exports=[_export_out(job, slug) for job in export_jobs.exports_of(session, source)]
    )


@exports_router.get(
    "/{job_id}", response_model=InsituExportOut, responses=errors(InsituExportNotFound)
)
def get_export(job_id: PathId, user: StaffUser, session: SessionDep) -> InsituExportOut:
    job, slug = export_jobs.managed_export(session, user, job_id)
    return _export_out(job, slug)


@exports_router.get(
    "/{job_id}/files/{name}",
    response_class=FileResponse,
    responses=errors(InsituExportNotFound, ExportNotReady, ExportFileNotFound),
)
def download_export_file(
    job_id: PathId, name: str, user: StaffUser, session: SessionDep
) -> FileResponse:
    job, _ = export_jobs.managed_export(session, user, job_id)
    path = export_jobs.file_path(job, name)
    media_type = "text/markdown; charset=utf-8" if name.endswith(".md") else None
    return FileResponse(path, filename=name, media_type=media_type or "application/json")


_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "A JSON array of events, or JSONL (one event per line); `Content-Encoding: gzip` "
            "is accepted. See the event schemas in `insitu/events.py` (README: In-situ feedback)."
        ),
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@ingest_router.post(
    "/{slug}/events",
    response_model=IngestResult,
    openapi_extra=_BATCH_BODY,
    responses=errors(
        InvalidIngestKey,
        SourceNotFound,
        IngestRateLimited,
        BatchTooLarge,
        InvalidBatch,
        UnsupportedBatchType,
    ),
)
async def ingest_events(
    slug: str,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(ingest_key)],
) -> IngestResult:
    """Take a batch of a chat product's events. Each event is stored once by its `event_id`
    (a re-sent batch stores nothing twice), each is validated alone (a bad one is listed in
    `errors` and never drops the good ones), and text is redacted before it is stored."""
    if credentials is None:
        raise InvalidIngestKey("Send the source's ingestion key: Authorization: Bearer phi_...")
    body = await request.body()
    return await ingest.ingest_batch(
        credentials.credentials,
        slug,
        body,
        request.headers.get("content-type"),
        request.headers.get("content-encoding"),
    )
