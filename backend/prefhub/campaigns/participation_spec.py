"""Who annotators are and how they arrive: consent, a profile survey, crowd-platform links.

Profile answers are what user-conditioned reward models condition on; they are stored per
annotator and campaign, and reach an export only when the researcher asks for them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
PARAM_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SurveyOption(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)


class SurveyQuestion(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, max_length=2000)
    kind: Literal["single_choice", "multiple_choice", "number", "text"]
    options: list[SurveyOption] = Field(default_factory=list, max_length=50)
    required: bool = True
    min: float | None = Field(default=None, description="numbers: the smallest allowed")
    max: float | None = Field(default=None, description="numbers: the largest allowed")
    max_length: int = Field(default=500, ge=1, le=10_000, description="free text")

    @model_validator(mode="after")
    def _options_for_choices(self) -> SurveyQuestion:
        choice = self.kind in ("single_choice", "multiple_choice")
        if choice and len(self.options) < 2:
            raise ValueError(f"survey question '{self.id}' needs at least two options")
        if not choice and self.options:
            raise ValueError(f"survey question '{self.id}' ({self.kind}) takes no options")
        if len({o.id for o in self.options}) != len(self.options):
            raise ValueError(f"survey question '{self.id}' has duplicate option ids")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"survey question '{self.id}': min is above max")
        return self


class CrowdEntry(_Strict):
    """A link for crowd platforms: ``/c/{slug}?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=…``."""

    participant_param: str = Field(default="PROLIFIC_PID", pattern=PARAM_PATTERN)
    study_param: str | None = Field(default="STUDY_ID", pattern=PARAM_PATTERN)
    session_param: str | None = Field(default="SESSION_ID", pattern=PARAM_PATTERN)
    target_count: int = Field(default=20, ge=1, le=100_000, description="tasks to complete")
    completion_code: str = Field(min_length=1, max_length=100)
    completion_url: HttpUrl | None = Field(
        default=None, description="where to send annotators when done (e.g. Prolific's)"
    )


class Participation(_Strict):
    consent: str | None = Field(
        default=None, max_length=50_000, description="Markdown to agree to before any task"
    )
    survey: list[SurveyQuestion] = Field(default_factory=list, max_length=50)
    crowd: CrowdEntry | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Participation:
        ids = [q.id for q in self.survey]
        if len(ids) != len(set(ids)):
            raise ValueError(f"survey question ids must be unique, got {ids}")
        return self

    @property
    def needs_onboarding(self) -> bool:
        return self.consent is not None or bool(self.survey)
