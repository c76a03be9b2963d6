from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from prefhub.campaigns.participation_spec import SurveyQuestion


class ParticipationState(BaseModel):
    consent: str | None = Field(description="Markdown to agree to; null when none is asked")
    consented: bool
    survey: list[SurveyQuestion]
    answers: dict[str, Any] | None
    ready: bool = Field(description="consent given and survey answered: tasks may start")


class ConsentRequest(BaseModel):
    agree: Literal[True]


class ProfileRequest(BaseModel):
    answers: dict[str, Any] = Field(max_length=50)


class CompletionOut(BaseModel):
    done: int
    target: int | None
    completed: bool
    code: str | None = Field(description="the completion code, once the target is reached")
    url: str | None = Field(description="where to go next, once the target is reached")


class CrowdEnterRequest(BaseModel):
    params: dict[str, str] = Field(max_length=20, description="the link's query parameters")
    replace_session: bool = Field(
        default=False,
        description="sign out whoever this browser is signed in as and enter as the link's "
        "participant (needs the X-CSRF-Token header of that session)",
    )


class CrowdEnterResponse(BaseModel):
    slug: str
    kind: Literal["items", "trees"]
