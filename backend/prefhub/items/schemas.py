from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prefhub.kit.content import MAX_TEXT, Message, Part, TextPart
from prefhub.kit.time import UtcDatetime
from prefhub.models import ItemStatus, JobStatus


class ImportMediaPart(BaseModel):
    """A media part as an import file writes it: where the bytes are, not the bytes. The
    import stores them and writes the stored part (sha256, content type, size, duration)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["image", "audio", "video"]
    path: str | None = Field(
        default=None, max_length=1000, description="a file beside the JSONL, relative to it"
    )
    url: str | None = Field(default=None, max_length=2000, description="a public http(s) URL")
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="media already in this campaign"
    )
    alt: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one_source(self) -> ImportMediaPart:
        if sum(x is not None for x in (self.path, self.url, self.sha256)) != 1:
            raise ValueError("a media part needs exactly one of path, url or sha256")
        return self


InputPart = Annotated[TextPart | ImportMediaPart, Field(discriminator="type")]


class ImportMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant", "prompter"]
    content: str | list[InputPart]

    @field_validator("content")
    @classmethod
    def _not_too_long(cls, value: str | list[InputPart]) -> str | list[InputPart]:
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValueError(f"content longer than {MAX_TEXT} characters")
        return value


class ImportCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str | list[InputPart]
    model: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] = Field(default_factory=dict)


class ImportLine(BaseModel):
    """One JSONL line of an item import."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=200)
    prompt: str | list[ImportMessage]
    candidates: list[str | ImportCandidate] = Field(default_factory=list, max_length=64)
    metadata: dict[str, Any] = Field(default_factory=dict)
    language: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", max_length=35
    )
    # A gold (attention-check) item; exports leave gold items out unless asked.
    gold: bool = False

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: str | list[ImportMessage]) -> str | list[ImportMessage]:
        if isinstance(value, str) and not value.strip():
            raise ValueError("prompt is empty")
        if isinstance(value, list) and not value:
            raise ValueError("prompt has no messages")
        return value


class ImportJobOut(BaseModel):
    id: int
    status: JobStatus
    filename: str
    imported: int | None
    ready: int | None
    error: dict[str, Any] | None = Field(
        description="what refused the file: {code, message, details} (line errors)"
    )
    created_at: UtcDatetime
    finished_at: UtcDatetime | None


class ImportResult(BaseModel):
    imported: int
    ready: int


class CandidateOut(BaseModel):
    id: int
    content: list[Part]
    model_name: str | None
    round: int


class ItemOut(BaseModel):
    id: int
    external_id: str
    status: ItemStatus
    context: list[Message]
    metadata: dict[str, Any]
    language: str | None
    is_gold: bool
    judgment_count: int
    candidates: list[CandidateOut]


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int
