from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

from prefhub.exports import registry
from prefhub.kit.bounds import Int32
from prefhub.kit.time import UtcDatetime, as_utc
from prefhub.models import JobStatus, TreeState

# How several annotators' judgments of one item become rows: "none" keeps one row per
# judgment (the default: disagreement is data); the others give one consensus per item.
Aggregation = Literal["none", "majority", "bradley_terry", "ranked_pairs"]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ExportOptions(BaseModel):
    """What a researcher chooses at export time; stored with the job and in the manifest."""

    model_config = ConfigDict(extra="forbid")

    # A registered format (prefhub.exports.registry; GET /api/exports/formats lists them).
    format: str = Field(default="dpo", min_length=1, max_length=50, examples=["dpo"])
    # TRL's conversational form (lists of {role, content}) or its standard form (strings).
    conversational: bool = True
    # Pseudonymous annotator ids are a keyed hash; a new salt gives ids unlinkable to others.
    salt: str = Field(default="", max_length=200)
    # Only judgments whose shown candidates all come from these generation rounds.
    rounds: list[Int32] | None = Field(default=None, max_length=100)
    # Tree campaigns: the states of the trees to export; by default only ready_for_export.
    tree_states: list[TreeState] | None = Field(default=None, min_length=1, max_length=6)

    # JSONL, or Parquet (one file with the same columns) on request.
    file_format: Literal["jsonl", "parquet"] = "jsonl"
    aggregation: Aggregation = "none"
    # Drop rows that carry a tie: a ranking with tied candidates, a consensus that ties.
    drop_ties: bool = False
    # Drop items whose annotators agree less than this (share of votes with the plurality,
    # over every pair of candidates they compared); items judged once have no agreement.
    min_agreement: float | None = Field(default=None, ge=0, le=1)
    # kto: pairwise and ranking answers also give rows (winner true, loser false).
    kto_from_preferences: bool = False
    # The annotators' profile answers in every row's metadata (and in `annotators` rows).
    include_profiles: bool = False

    # Filters. Judgments made in [created_from, created_to).
    created_from: datetime | None = None
    created_to: datetime | None = None
    # Only judgments whose shown candidates all come from these models.
    models: list[ShortText] | None = Field(default=None, min_length=1, max_length=100)
    # Only items in these languages (the item's `language`, as imported).
    languages: list[ShortText] | None = Field(default=None, min_length=1, max_length=100)
    # Gold (attention-check) items are left out unless asked for.
    include_gold: bool = False
    # Simulated work (`prefhub simulate`) is left out of a campaign that has human work unless
    # asked for (in conversation trees: every tree a simulated annotator took part in); a
    # campaign with only simulated work exports it.
    include_simulated: bool = False
    # Judgments of annotators whose quality standing is "excluded" (by a rule, a researcher or
    # the qualification) are left out of every format but `judgments` (which marks them)
    # unless asked for; kept, their rows are marked.
    include_excluded: bool = False
    # Only annotators whose profile answer to each named question is one of the values given
    # (for a multiple-choice answer: shares one of them), e.g. {"country": ["GB", "IE"]}.
    annotator_groups: dict[ShortText, list[ShortText]] | None = Field(
        default=None, min_length=1, max_length=20
    )

    @field_validator("format")
    @classmethod
    def _registered(cls, value: str) -> str:
        if registry.find(value) is None:
            raise ValueError(f"unknown format; formats: {', '.join(registry.names())}")
        return value

    @field_validator("created_from", "created_to")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        # Judgment times are stored as naive UTC.
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
                raise ValueError("the time lies outside the years 1 to 9999 in UTC") from None
        return value

    @model_validator(mode="after")
    def _coherent(self) -> ExportOptions:
        if self.created_from and self.created_to and self.created_from >= self.created_to:
            raise ValueError("created_from must be before created_to")
        if self.aggregation != "none" and not registry.get(self.format).aggregates:
            raise ValueError(
                f"'{self.format}' rows are per judgment or per annotator and cannot be "
                f"aggregated; aggregation applies to {', '.join(registry.aggregatable())}"
            )
        for field, values in (self.annotator_groups or {}).items():
            if not values:
                raise ValueError(f"annotator_groups['{field}'] names no values")
        return self


class ExportOptionsOut(ExportOptions):
    """The options as the API answers them: filter times in UTC with their offset."""

    @field_serializer("created_from", "created_to")
    def _with_offset(self, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


class ExportProgress(BaseModel):
    done: int
    total: int


class ExportFile(BaseModel):
    name: str
    size: int
    sha256: str


class ExportJobOut(BaseModel):
    id: int
    campaign_slug: str
    format: str
    options: ExportOptionsOut
    status: JobStatus
    progress: ExportProgress
    row_count: int | None
    files: list[ExportFile]
    # Why it failed, for people, and its stable code (never internals: the log has those).
    error: str | None
    error_code: str | None = None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None


# The media kinds candidates can hold.
CandidateMediaKind = Literal["image", "audio", "video"]


class ExportJobList(BaseModel):
    exports: list[ExportJobOut]
    # The media kinds the campaign's candidates hold: which formats can carry them (see
    # ExportFormatOut.candidate_media); empty for text candidates and conversation trees.
    candidate_media: list[CandidateMediaKind]


class ExportColumnOut(BaseModel):
    """A column of a format's rows; a "record" column's fields in ``fields``."""

    name: str
    type: registry.ColumnType
    description: str
    repeated: bool
    fields: list[ExportColumnOut]


class ExportOptionOut(BaseModel):
    """An export option (a field of the export request) that the format reads."""

    name: str
    description: str


class ExportFormatOut(BaseModel):
    name: str
    title: str
    description: str
    # The campaign kinds it can export, and for each its rows and columns (rating questions
    # add a column per attribute, media a column per media kind: those depend on the campaign).
    campaign_kinds: list[registry.CampaignKind]
    row_grain: str
    tree_row_grain: str | None
    columns: list[ExportColumnOut]
    tree_columns: list[ExportColumnOut] | None
    trainer: str | None
    aggregates: bool
    options: list[ExportOptionOut]
    # Item campaigns: the question kinds whose answers give rows (null: every answer, whatever
    # its kind), and those an option adds (kto_from_preferences: pairwise and ranking). A
    # campaign asking none of them exports no rows: the form labels the format, the CLI warns.
    question_kinds: list[str] | None
    question_kinds_by_option: dict[str, list[str]]
    # Item campaigns: the candidates its rows can carry: "none" (text: TRL's formats take media
    # in the prompt only), "image" or "audio" (one such file per candidate), or "any".
    candidate_media: Literal["none", "image", "audio", "any"]


class ExportFormatList(BaseModel):
    """Every export format, in the order offered: a campaign kind's first is its default."""

    formats: list[ExportFormatOut]
