from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefhub.kit.content import MAX_TEXT, InputPart, Message, Part
from prefhub.models import ItemStatus


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

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: str | list[ImportMessage]) -> str | list[ImportMessage]:
        if isinstance(value, str) and not value.strip():
            raise ValueError("prompt is empty")
        if isinstance(value, list) and not value:
            raise ValueError("prompt has no messages")
        return value


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
    judgment_count: int
    candidates: list[CandidateOut]


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int
