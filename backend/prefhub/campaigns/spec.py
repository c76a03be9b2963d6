"""The campaign spec: what a researcher designs, stored and versioned with the campaign.

Question kinds form a discriminated union on ``kind``; later kinds (ranking, binary, rating,
...) join the union and their answers join ``answers.py`` without touching stored specs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
QUESTION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=QUESTION_ID_PATTERN)
    prompt: str = Field(min_length=1, max_length=2000)


class PairwiseQuestion(_Question):
    """A vs B, with optional tie and "both are bad"."""

    kind: Literal["pairwise"] = "pairwise"
    id: str = Field(default="preference", pattern=QUESTION_ID_PATTERN)
    prompt: str = Field(default="Which response is better?", min_length=1, max_length=2000)
    allow_tie: bool = True
    allow_both_bad: bool = True


Question = Annotated[PairwiseQuestion, Field(discriminator="kind")]


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=SLUG_PATTERN, description="lower-case letters, digits and dashes")
    guidelines: str = Field(default="", max_length=100_000, description="Markdown")
    questions: list[Question] = Field(min_length=1, max_length=20)
    redundancy: int = Field(default=3, ge=1, le=100, description="K judgments per item")
    lease_minutes: int = Field(default=30, ge=1, le=24 * 60)
    priority: int = Field(default=0, ge=-100, le=100)

    @model_validator(mode="after")
    def _unique_question_ids(self) -> CampaignSpec:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"question ids must be unique, got {ids}")
        return self

    @property
    def candidates_per_task(self) -> int:
        # Pairwise is the only kind so far; ranking etc. will widen this.
        return 2
