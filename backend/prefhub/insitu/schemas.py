"""Requests and responses of the feedback-source routes and of ingestion."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from prefhub.campaigns.spec import SLUG_PATTERN
from prefhub.insitu import pii
from prefhub.insitu.events import EventError, ExternalId
from prefhub.kit.time import UtcDatetime

MAX_RETENTION_DAYS = 3650


class CustomPatternIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(
        pattern=pii.LABEL.pattern, description="shown as [LABEL] where the pattern matched"
    )
    pattern: str = Field(
        min_length=1, max_length=pii.MAX_PATTERN_LENGTH, description="RE2 syntax (linear time)"
    )


class RedactionPolicyIn(BaseModel):
    """What is removed from every text before it is stored."""

    model_config = ConfigDict(extra="forbid")
    kinds: list[pii.PiiKind] = Field(default_factory=lambda: list(pii.PiiKind), max_length=10)
    phone_regions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=lambda: list(pii.RedactionPolicy().phone_regions),
        max_length=pii.MAX_PHONE_REGIONS,
        description="ISO 3166 regions whose national phone formats count; '+' numbers always do",
    )
    custom_patterns: list[CustomPatternIn] = Field(
        default_factory=list, max_length=pii.MAX_CUSTOM_PATTERNS
    )


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=SLUG_PATTERN, description="lower-case letters, digits and dashes")
    name: str = Field(min_length=1, max_length=200)
    retention_days: int = Field(default=90, ge=1, le=MAX_RETENTION_DAYS)
    redaction: RedactionPolicyIn = Field(default_factory=RedactionPolicyIn)
    consent_basis: str = Field(
        default="",
        max_length=4000,
        description="how the product's users agreed to this use; printed on every export's card",
    )


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    retention_days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    redaction: RedactionPolicyIn | None = None
    consent_basis: str | None = Field(default=None, max_length=4000)


class SourceOut(BaseModel):
    slug: str
    name: str
    retention_days: int
    redaction: RedactionPolicyIn
    consent_basis: str
    created_at: UtcDatetime
    conversations: int
    events: int


class SourceList(BaseModel):
    sources: list[SourceOut]


class IngestKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class IngestKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class IngestKeyCreated(IngestKeyOut):
    key: str = Field(description="shown once: only its hash is stored")


class IngestKeyList(BaseModel):
    keys: list[IngestKeyOut]


class IngestResult(BaseModel):
    accepted: int = Field(description="events stored now")
    duplicate: int = Field(description="events whose event_id was stored before (not again)")
    rejected: int = Field(description="events refused; `errors` says why, one per event")
    errors: list[EventError]


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: ExternalId = Field(description="the product's own id of the user, as sent")


class ErasureResult(BaseModel):
    conversations: int
    events: int
    derived: int
    verification_items: int = Field(
        description="campaign items (with their judgments) that verified the derived rows"
    )


class DayVolume(BaseModel):
    day: date
    events: int = Field(description="events received that day (UTC)")
    conversations: int = Field(description="conversations that got events that day")


class SignalStats(BaseModel):
    signal: str
    kind: str = Field(description="kto (a turn desirable or not) or pair (chosen over rejected)")
    rows: int
    mean_confidence: float
    verified: int = Field(description="rows people have judged in a verification campaign")
    confirmed: int = Field(description="judgments that went the signal's way")
    overturned: int = Field(description="judgments that went the other way (ties count in none)")
    agreement: float | None = Field(
        description="confirmed / (confirmed + overturned); null before any judgment decided"
    )


class SourceStats(BaseModel):
    days: int
    volume: list[DayVolume]
    event_types: dict[str, int]
    signals: list[SignalStats]
    pending_conversations: int = Field(description="conversations waiting for derivation")


class InsituExportFile(BaseModel):
    name: str
    size: int
    sha256: str


class InsituExportOut(BaseModel):
    id: int
    source_slug: str
    format: str
    options: dict[str, Any]
    status: str
    row_count: int | None
    files: list[InsituExportFile]
    error_code: str | None
    error_message: str | None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None


class InsituExportList(BaseModel):
    exports: list[InsituExportOut]


class VerificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign: str = Field(
        pattern=SLUG_PATTERN,
        description="your campaign: with a pairwise question it verifies pairs, with a binary "
        "question (min_candidates 1) KTO rows",
    )
    sample: int = Field(default=100, ge=1, le=5000, description="rows to send at most")
    signals: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None, max_length=20, description="only rows of these signals"
    )
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class VerificationSent(BaseModel):
    campaign: str
    kind: str
    sent: dict[str, int] = Field(description="rows sent, by signal")


class JudgeJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=200, description="a registered model you may use")
    max_turns: int = Field(
        default=1000, ge=1, le=100_000, description="at most this many turns judged by this job"
    )
