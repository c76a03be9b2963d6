"""Responses of the spec-version routes (``versions_router``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from prefhub.kit.time import UtcDatetime


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VersionOut(_FromAttributes):
    version: int
    created_at: UtcDatetime
    created_by: str | None = Field(description="the name, else the e-mail, of who saved it")
    judgments: int = Field(description="kept judgments made under this version")


class VersionList(BaseModel):
    current: int
    versions: list[VersionOut]


class VersionSpec(_FromAttributes):
    version: int
    created_at: UtcDatetime
    spec: dict[str, Any] = Field(description="the spec as saved (rules may have changed since)")


class SpecChangeOut(_FromAttributes):
    path: str = Field(description="e.g. questions[preference].aspects[clarity].label")
    kind: Literal["added", "removed", "changed"]
    old: Any = None
    new: Any = None


class SpecDiff(BaseModel):
    from_version: int
    to_version: int
    changes: list[SpecChangeOut]


class AnswerWarningOut(_FromAttributes):
    code: str = Field(description="stable, e.g. choice_removed, question_removed, scale_narrowed")
    severity: Literal["warning", "info"]
    question: str | None = Field(description="the question's id; null for the whole campaign")
    path: str
    message: str
    affected: int = Field(description="kept judgments the change affects")


class SpecProblemOut(_FromAttributes):
    field: str
    message: str


class SpecCheckOut(_FromAttributes):
    valid: bool
    problems: list[SpecProblemOut]
    current_version: int
    changes: list[SpecChangeOut]
    warnings: list[AnswerWarningOut]
