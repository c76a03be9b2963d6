from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from prefhub.auth.dependencies import CurrentUser, StaffUser
from prefhub.auth.policies import authorize, can_manage_campaign
from prefhub.campaigns.service import get_by_slug
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import PrefhubError
from prefhub.media import service
from prefhub.media.exceptions import TooManyFiles
from prefhub.media.schemas import (
    MediaFetchCreate,
    MediaFetchError,
    MediaFetchOut,
    MediaUploadResult,
    UploadedMedia,
)
from prefhub.media.storage import path_of, read_file_limited
from prefhub.models import Campaign, MediaAsset, MediaFetchJob, User
from prefhub.settings import get_settings

router = APIRouter(prefix="/api", tags=["media"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
MAX_FILES = 100


@router.post(
    "/campaigns/{slug}/media",
    response_model=MediaUploadResult,
    status_code=status.HTTP_201_CREATED,
)
def upload(
    slug: str, files: list[UploadFile], user: StaffUser, session: SessionDep
) -> MediaUploadResult:
    """Store uploaded images, audio or video for a campaign; each file's content part comes
    back, ready to be written into an import file. One bad file refuses them all."""
    campaign = _managed(session, user, slug)
    if len(files) > MAX_FILES:
        raise TooManyFiles(f"At most {MAX_FILES} files per upload")
    limit = get_settings().max_media_bytes
    uploaded = []
    for file in files:
        try:
            stored = service.add(session, read_file_limited(file.file, limit), campaign.id)
        except PrefhubError as exc:
            raise type(exc)(
                f"{file.filename}: {exc.message}", details={"file": file.filename}
            ) from exc
        uploaded.append(UploadedMedia(filename=file.filename, part=stored.part()))  # type: ignore[arg-type]
    return MediaUploadResult(files=uploaded)


@router.post(
    "/campaigns/{slug}/media/fetch",
    response_model=MediaFetchOut,
    status_code=status.HTTP_202_ACCEPTED,
)
def start_fetch(
    slug: str, body: MediaFetchCreate, user: StaffUser, session: SessionDep
) -> MediaFetchOut:
    """Queue a worker to fetch a public http(s) URL into the campaign's media; poll the job."""
    campaign = _managed(session, user, slug)
    return _fetch_out(session, service.create_fetch_job(session, campaign, user, body.url))


@router.get("/media/fetches/{job_id}", response_model=MediaFetchOut)
def get_fetch(job_id: int, user: StaffUser, session: SessionDep) -> MediaFetchOut:
    job = service.get_fetch_job(session, job_id)
    campaign = session.get_one(Campaign, job.campaign_id)
    authorize(can_manage_campaign(user, campaign), "This fetch belongs to someone else")
    return _fetch_out(session, job)


@router.get("/media/{sha256}", response_class=FileResponse)
def fetch(sha256: Sha256, user: CurrentUser, session: SessionDep) -> FileResponse:
    """The bytes of a media file used by a campaign the caller may see (range requests work)."""
    asset = service.fetchable(session, user, sha256)
    return FileResponse(
        path_of(asset.storage_key),
        media_type=asset.content_type,
        content_disposition_type="inline",
        headers={
            # The bytes never change for a hash; only this user's browser may keep them.
            "Cache-Control": "private, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _managed(session: Session, user: User, slug: str) -> Campaign:
    campaign = get_by_slug(session, slug)
    authorize(can_manage_campaign(user, campaign), "This campaign belongs to someone else")
    return campaign


def _fetch_out(session: Session, job: MediaFetchJob) -> MediaFetchOut:
    asset = session.get(MediaAsset, job.asset_id) if job.asset_id else None
    return MediaFetchOut(
        id=job.id,
        campaign_slug=session.get_one(Campaign, job.campaign_id).slug,
        url=job.url,
        status=job.status,
        part=service.part_of(asset) if asset else None,  # type: ignore[arg-type]
        error=MediaFetchError(code=job.error_code, message=job.error or "")
        if job.error_code
        else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
