from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from prefhub.auth.dependencies import CurrentUser
from prefhub.kit.deps import SessionDep
from prefhub.media import service
from prefhub.media.storage import path_of

router = APIRouter(prefix="/api/media", tags=["media"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


@router.get("/{sha256}", response_class=FileResponse)
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
