from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from prefhub.models import ExportStatus, TreeState

# Item campaigns: dpo, judgments, kto, reward, ranking, ratings, feedback.
# Tree campaigns: trees, dpo, ranking, kto.
ExportFormat = Literal[
    "dpo", "judgments", "trees", "ranking", "kto", "reward", "ratings", "feedback"
]


class ExportOptions(BaseModel):
    """What a researcher chooses at export time; stored with the job and in the manifest."""

    model_config = ConfigDict(extra="forbid")

    format: ExportFormat = "dpo"
    # TRL's conversational form (lists of {role, content}) or its standard form (strings).
    conversational: bool = True
    # Pseudonymous annotator ids are a keyed hash; a new salt gives ids unlinkable to others.
    salt: str = Field(default="", max_length=200)
    # Only judgments whose shown candidates all come from these generation rounds.
    rounds: list[int] | None = Field(default=None, max_length=100)
    # Tree campaigns: the states of the trees to export; by default only ready_for_export.
    tree_states: list[TreeState] | None = Field(default=None, min_length=1, max_length=6)


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
    options: ExportOptions
    status: ExportStatus
    progress: ExportProgress
    row_count: int | None
    files: list[ExportFile]
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ExportJobList(BaseModel):
    exports: list[ExportJobOut]
