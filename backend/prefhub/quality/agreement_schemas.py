"""Responses of the agreement endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AgreementStats(BaseModel):
    alpha: float | None = Field(description="Krippendorff's alpha; null when undefined")
    raw: float | None = Field(description="share of agreeing annotator pairs per unit")
    units: int = Field(description="units two or more annotators judged")
    values: int = Field(description="answers in those units")


class MeasureOut(AgreementStats):
    measure: str = Field(description="the question id, or question.attribute / question.label")
    question: str
    kind: str
    level: Literal["nominal", "ordinal", "interval"]


class TimePointOut(AgreementStats):
    start: str = Field(description="first day of the bucket (ISO date, UTC)")
    measure: str


class GroupAgreementOut(AgreementStats):
    group: str
    annotators: int
    measure: str


class AgreementOut(BaseModel):
    group_by: str | None
    bucket: Literal["day", "week", "month"]
    simulated: Literal["none", "excluded", "included", "only_simulated"]
    judgments: int
    measures: list[MeasureOut]
    timeline: list[TimePointOut]
    groups: list[GroupAgreementOut]
