from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, SkipValidation

from prefhub.campaigns.answers import Answer
from prefhub.campaigns.spec import DisplaySettings, Question
from prefhub.kit.bounds import BodyId
from prefhub.kit.content import Message, Part
from prefhub.kit.time import UtcDatetime
from prefhub.models import CampaignStatus


class TaskCampaign(BaseModel):
    slug: str
    name: str
    guidelines: str


class TaskCandidate(BaseModel):
    label: str
    content: list[Part]


class Task(BaseModel):
    assignment_id: int
    item_id: int
    expires_at: UtcDatetime
    campaign: TaskCampaign
    context: list[Message]
    candidates: list[TaskCandidate]
    questions: list[Question]
    display: DisplaySettings = Field(default_factory=DisplaySettings)


class AnnotatorProgress(BaseModel):
    my_judgments: int
    items_total: int
    items_complete: int


class NextTaskResponse(BaseModel):
    task: Task | None
    progress: AnnotatorProgress


class SubmitRequest(BaseModel):
    assignment_id: BodyId
    client_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    # Keyed by question id. The schema declares each kind's shape (clients generate their types
    # from it); validate_answers checks each answer against its question and the candidates shown,
    # so a wrong shape is a 422 invalid_answer naming the field, not a request validation error.
    answers: dict[str, SkipValidation[Answer]]
    time_spent_ms: int | None = Field(default=None, ge=0, le=7 * 24 * 3600 * 1000)
    next: bool = Field(
        default=False, description="also lease and return your next task in this response"
    )


class QualificationFeedback(BaseModel):
    """After each answer of the qualification phase: how it went, to show before the next task."""

    correct: bool = Field(description="every expected answer was met (gold score 1)")
    score: float | None = Field(description="0 to 1; null when it could not be scored")
    expected: dict[str, dict[str, Any]] = Field(
        description="question id -> the expected answer, naming candidates by the labels shown"
    )
    explanation: str | None = Field(description="the gold item's feedback text")
    answered: int = Field(description="this was qualification task `answered` of `tasks`")
    tasks: int
    outcome: Literal["pending", "passed", "failed"] = Field(
        description="pending until the last qualification task; then passed (real tasks "
        "follow) or failed (the next task request answers 409 annotator_excluded)"
    )


class SubmitResponse(BaseModel):
    judgment_id: int
    client_id: str
    undo_until: UtcDatetime | None
    qualification: QualificationFeedback | None = Field(
        default=None, description="set for an answer of the qualification phase"
    )
    next: NextTaskResponse | None = Field(
        default=None,
        description="with `next: true`, what GET /next would answer right after this submit "
        "(`task` null when nothing is left); null when not asked, or when GET /next would "
        "refuse (ask it then to get the refusal)",
    )


class UndoRequest(BaseModel):
    judgment_id: BodyId


class UndoResponse(NextTaskResponse):
    previous_answers: dict[str, Any]


class ReviseRequest(BaseModel):
    judgment_id: BodyId = Field(description="the latest revision of one of your judgments")


class ReviseResponse(UndoResponse):
    revision: int = Field(description="the revision number the next submission for it stores")


class ReportRequest(BaseModel):
    assignment_id: BodyId
    reason: str = Field(min_length=1, max_length=2000)


class SkipRequest(BaseModel):
    assignment_id: BodyId
    reason: str = Field(default="", max_length=2000)


class AnnotatorCampaign(BaseModel):
    slug: str
    name: str
    kind: Literal["items", "trees"] = Field(
        description="trees: conversation-tree tasks (/tree-tasks), not items (/next)"
    )
    status: CampaignStatus = Field(
        description="active, or paused: listed, but it gives out no new tasks until resumed"
    )
    my_judgments: int
    available: int


class AnnotatorCampaignList(BaseModel):
    campaigns: list[AnnotatorCampaign]


class JudgmentOut(BaseModel):
    id: int
    client_id: str
    revision: int
    supersedes_id: int | None
    latest: bool = Field(description="the latest revision: the answer that counts, revisable")
    campaign_version: int = Field(description="the spec version it was made under")
    item_id: int
    answers: dict[str, Any]
    shown_order: list[Any]
    time_spent_ms: int | None
    created_at: UtcDatetime
    # The item's last user turn, cut at 200 characters.
    prompt_excerpt: str
