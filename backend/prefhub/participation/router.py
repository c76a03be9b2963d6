from __future__ import annotations

from fastapi import APIRouter, Response

from prefhub.auth import service as auth
from prefhub.auth.dependencies import CurrentUser
from prefhub.auth.router import set_session_cookies
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.kit.deps import SessionDep
from prefhub.models import Campaign, CampaignStatus, User
from prefhub.participation import service
from prefhub.participation.exceptions import CrowdEntryClosed
from prefhub.participation.schemas import (
    CompletionOut,
    ConsentRequest,
    CrowdEnterRequest,
    CrowdEnterResponse,
    ParticipationState,
    ProfileRequest,
)

annotate = APIRouter(prefix="/api/annotate/{slug}/participation", tags=["participation"])
crowd = APIRouter(prefix="/api/crowd", tags=["participation"])


def _state(session: SessionDep, campaign: Campaign, user: User) -> ParticipationState:
    state = service.onboarding(session, campaign, user)
    return ParticipationState(**state.__dict__)


@annotate.get("", response_model=ParticipationState)
def participation(slug: str, user: CurrentUser, session: SessionDep) -> ParticipationState:
    """What the campaign asks before the first task, and what this annotator has given."""
    return _state(session, get_by_slug(session, slug), user)


@annotate.post("/consent", response_model=ParticipationState)
def consent(
    slug: str, body: ConsentRequest, user: CurrentUser, session: SessionDep
) -> ParticipationState:
    campaign = get_by_slug(session, slug)
    service.give_consent(session, campaign, user)
    return _state(session, campaign, user)


@annotate.post("/profile", response_model=ParticipationState)
def profile(
    slug: str, body: ProfileRequest, user: CurrentUser, session: SessionDep
) -> ParticipationState:
    campaign = get_by_slug(session, slug)
    service.answer_survey(session, campaign, user, body.answers)
    return _state(session, campaign, user)


@annotate.get("/completion", response_model=CompletionOut)
def completion(slug: str, user: CurrentUser, session: SessionDep) -> CompletionOut:
    """Progress towards the crowd target; the completion code and link once it is reached."""
    done = service.completion(session, get_by_slug(session, slug), user)
    return CompletionOut(**done.__dict__)


@crowd.post("/{slug}/enter", response_model=CrowdEnterResponse)
def enter(
    slug: str, body: CrowdEnterRequest, response: Response, session: SessionDep
) -> CrowdEnterResponse:
    """Sign in the annotator a crowd link names (created on first visit, resumed after)."""
    campaign = get_by_slug(session, slug)
    if campaign.status != CampaignStatus.active:
        raise CrowdEntryClosed(f"Campaign '{slug}' is not taking annotators")
    user = service.enter(session, campaign, body.params)
    set_session_cookies(response, auth.start_session(session, user))
    kind = "trees" if spec_of(campaign).trees is not None else "items"
    return CrowdEnterResponse(slug=campaign.slug, kind=kind)
