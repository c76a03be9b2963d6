from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from prefhub.kit.content import AudioPart, ImagePart, VideoPart
from prefhub.kit.time import UtcDatetime
from prefhub.models import JobStatus

MediaPart = Annotated[ImagePart | AudioPart | VideoPart, Field(discriminator="type")]


class UploadedMedia(BaseModel):
    filename: str | None
    part: MediaPart = Field(description="the content part to put into an import file")


class MediaUploadResult(BaseModel):
    files: list[UploadedMedia]


class MediaFetchCreate(BaseModel):
    url: str = Field(max_length=2000, examples=["https://example.org/cat.png"])


class MediaFetchError(BaseModel):
    code: str
    message: str


class MediaFetchOut(BaseModel):
    id: int
    campaign_slug: str
    url: str
    status: JobStatus
    part: MediaPart | None = Field(default=None, description="set once the fetch succeeded")
    error: MediaFetchError | None = None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
