from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request, UploadFile, status
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from prefhub.auth.dependencies import CurrentUser, ManagedCampaign, StaffUser
from prefhub.auth.policies import can_manage_campaign, is_staff
from prefhub.jobs.dependencies import IdempotencyKey
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import PrefhubError
from prefhub.media import service
from prefhub.media.exceptions import MediaFetchNotFound, TooManyFiles
from prefhub.media.samples import CONTENT_TYPE as SAMPLE_TYPE
from prefhub.media.samples import sample_image
from prefhub.media.schemas import (
    MediaFetchCreate,
    MediaFetchError,
    MediaFetchOut,
    MediaUploadResult,
    UploadedMedia,
)
from prefhub.media.storage import media_store, read_file_limited
from prefhub.media.stores import MediaStore
from prefhub.models import Campaign, MediaAsset, MediaFetchJob
from prefhub.settings import get_settings

router = APIRouter(prefix="/api", tags=["media"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
MAX_FILES = 100
MEDIA_HEADERS = {
    # The bytes never change for a hash; only this user's browser may keep them.
    "Cache-Control": "private, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@router.post(
    "/campaigns/{slug}/media",
    response_model=MediaUploadResult,
    status_code=status.HTTP_201_CREATED,
)
def upload(
    campaign: ManagedCampaign, files: list[UploadFile], session: SessionDep
) -> MediaUploadResult:
    """Store uploaded images, audio or video for a campaign; each file's content part comes
    back, ready to be written into an import file. One bad file refuses them all."""
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
        # part: a plain dict that pydantic validates into the MediaPart union
        uploaded.append(UploadedMedia(filename=file.filename, part=stored.part()))  # type: ignore[arg-type]
    return MediaUploadResult(files=uploaded)


@router.post(
    "/campaigns/{slug}/media/fetch",
    response_model=MediaFetchOut,
    status_code=status.HTTP_202_ACCEPTED,
)
def start_fetch(
    campaign: ManagedCampaign,
    body: MediaFetchCreate,
    user: StaffUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> MediaFetchOut:
    """Queue a worker to fetch a public http(s) URL into the campaign's media; poll the job."""
    job = service.create_fetch_job(
        session, campaign, user, body.url, idempotency_key=idempotency_key
    )
    return _fetch_out(session, job)


@router.get("/media/fetches/{job_id}", response_model=MediaFetchOut)
def get_fetch(job_id: PathId, user: StaffUser, session: SessionDep) -> MediaFetchOut:
    job = service.get_fetch_job(session, job_id)
    if not can_manage_campaign(user, session.get_one(Campaign, job.campaign_id)):
        raise MediaFetchNotFound(f"No media fetch job {job_id}")
    return _fetch_out(session, job)


@router.get(
    "/media/{sha256}",
    response_class=FileResponse,
    responses={
        206: {"description": "Partial Content: the byte range the Range header asked for"},
        307: {"description": "Temporary Redirect: to a short-lived URL of the S3 bucket"},
        416: {"description": "Range Not Satisfiable: the range starts past the end (no body)"},
    },
)
def fetch(sha256: Sha256, request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """The bytes of a media file used by a campaign the caller may see (range requests work)."""
    # Staff also see the pictures the builder previews templates on (drawn in memory).
    sample = sample_image(sha256)
    if sample is not None and is_staff(user):
        return Response(sample, media_type=SAMPLE_TYPE, headers=MEDIA_HEADERS)
    asset = service.fetchable(session, user, sha256)
    store = media_store()
    path = store.local_path(asset.storage_key)
    if path is not None:
        return FileResponse(
            path,
            media_type=asset.content_type,
            content_disposition_type="inline",
            headers=MEDIA_HEADERS,
        )
    seconds = get_settings().s3_presign_seconds
    url = store.presigned_url(asset.storage_key, seconds, asset.content_type) if seconds else None
    if url is not None:
        # Authorized above; the short-lived URL must not outlive this answer in a cache.
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    return _stream(store, asset, request.headers.get("range"))


def _stream(store: MediaStore, asset: MediaAsset, range_header: str | None) -> Response:
    """The file from a remote store, whole or the one byte range asked for."""
    size = asset.byte_size
    headers = MEDIA_HEADERS | {"Accept-Ranges": "bytes", "ETag": f'"{asset.sha256}"'}
    try:
        wanted = byte_range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers=headers | {"Content-Range": f"bytes */{size}"})
    first, last = wanted or (0, size - 1)
    headers["Content-Length"] = str(last - first + 1)
    if wanted:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(
        store.stream(asset.storage_key, first, last),
        status_code=206 if wanted else 200,
        media_type=asset.content_type,
        headers=headers,
    )


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks of ``size`` bytes. None means the
    whole file: no header, one we may ignore (malformed, another unit) or several ranges,
    which RFC 9110 lets a server answer in full. ValueError: the range is past the end."""
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)-(\d*)\s*", header or "", re.ASCII | re.I)
    if match is None or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if not start:  # the last ``end`` bytes
        if int(end) == 0:
            raise ValueError("empty suffix range")
        return max(size - int(end), 0), size - 1
    first = int(start)
    if end and int(end) < first:
        return None
    if first >= size:
        raise ValueError("range starts past the end")
    return first, min(int(end), size - 1) if end else size - 1


def _fetch_out(session: Session, job: MediaFetchJob) -> MediaFetchOut:
    asset = session.get(MediaAsset, job.asset_id) if job.asset_id else None
    return MediaFetchOut(
        id=job.id,
        campaign_slug=session.get_one(Campaign, job.campaign_id).slug,
        url=job.url,
        status=job.status,
        # a plain dict that pydantic validates into the MediaPart union
        part=service.part_of(asset) if asset else None,  # type: ignore[arg-type]
        error=MediaFetchError(code=job.error_code, message=job.error_message or "")
        if job.error_code
        else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
