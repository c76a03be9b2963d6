from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from prefhub.kit.content import MAX_TEXT, Message, Part, TextPart
from prefhub.kit.time import UtcDatetime
from prefhub.models import ItemStatus, JobStatus
from prefhub.quality.gold import ImportGold


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
    # A gold (attention-check) item; exports leave gold items out unless asked. An object
    # makes it gold with expected answers (scored on submit) and feedback (``quality.gold``).
    gold: Annotated[
        Annotated[bool, Tag("flag")] | Annotated[ImportGold, Tag("answers")],
        Discriminator(lambda v: "answers" if isinstance(v, dict | ImportGold) else "flag"),
    ] = False

    @property
    def is_gold(self) -> bool:
        return self.gold is not False

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
    progress_done: int = Field(description="items written so far (not yet visible)")
    progress_total: int = Field(description="items the file holds (0 until it is validated)")
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


class BrowsedItem(BaseModel):
    """One row of the data browser's item table."""

    id: int
    external_id: str
    status: ItemStatus
    round: int
    language: str | None
    is_gold: bool
    n_candidates: int
    n_judgments: int
    wanted: int = Field(
        description="judgments the item wants: the campaign's redundancy K, or under adaptive "
        "redundancy fewer once its first judgments agree and more while they disagree"
    )
    has_disagreement: bool = Field(
        description="two current judgments state different orders, or votes, on a question"
    )
    disagreement: float = Field(
        description="0..1: the highest normalised entropy of the current votes on one of its "
        "candidate pairs (or a binary question's candidates); above 0 exactly when "
        "has_disagreement"
    )
    prompt_preview: str = Field(description="the prompt's first text, truncated")
    not_served_because: str | None = Field(
        description="why annotators get no task for it now; null when it is served"
    )


class BrowsePage(BaseModel):
    items: list[BrowsedItem]
    next_after: int | None = Field(description="pass as ``after`` for the next page; null: last")
    total: int | None = Field(
        description="items matching the filters: on the first page only (no ``after``), and "
        "with ``has_disagreement`` or ``min_disagreement`` only when sorted by disagreement "
        "(they read every judgment)"
    )
    limit: int


class BrowsedCandidate(BaseModel):
    id: int
    position: int
    content: list[Part]
    model_name: str | None
    model_params: dict[str, Any]
    latency_ms: int | None = Field(description="generated candidates only")
    round: int
    metadata: dict[str, Any]
    created_at: UtcDatetime


class BrowsedJudgment(BaseModel):
    id: int
    item_id: int
    item_external_id: str
    annotator: str = Field(description="a stable pseudonym, never an e-mail")
    answers: dict[str, Any]
    shown_order: list[int] = Field(description="candidate ids as shown: A, B, ...")
    time_spent_ms: int | None
    revision: int
    supersedes_id: int | None
    is_current: bool = Field(description="no later revision (an undo) replaced it")
    created_at: UtcDatetime


class BrowsedReport(BaseModel):
    id: int
    annotator: str
    reason: str
    created_at: UtcDatetime


class ItemDetail(BaseModel):
    item: BrowsedItem
    context: list[Message]
    metadata: dict[str, Any]
    open_leases: int
    candidates: list[BrowsedCandidate]
    judgments: list[BrowsedJudgment] = Field(description="every revision, oldest first")
    reports: list[BrowsedReport]


class JudgmentPage(BaseModel):
    judgments: list[BrowsedJudgment]
    next_after: int | None
    limit: int
