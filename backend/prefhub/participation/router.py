from __future__ import annotations

from fastapi import APIRouter, Request, Response

from prefhub.auth import service as auth
from prefhub.auth.dependencies import (
    CSRF_HEADER,
    SESSION_COOKIE,
    AnnotatableCampaign,
    CurrentUser,
)
from prefhub.auth.exceptions import CsrfFailed
from prefhub.auth.router import set_session_cookies
from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, CampaignStatus, User
from prefhub.participation import service
from prefhub.participation.exceptions import ConsentRequired, CrowdEntryClosed, SessionExists
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
def participation(
    campaign: AnnotatableCampaign, user: CurrentUser, session: SessionDep
) -> ParticipationState:
    """What the campaign asks before the first task, and what this annotator has given."""
    return _state(session, campaign, user)


@annotate.post("/consent", response_model=ParticipationState)
def consent(
    campaign: AnnotatableCampaign, body: ConsentRequest, user: CurrentUser, session: SessionDep
) -> ParticipationState:
    service.give_consent(session, campaign, user)
    return _state(session, campaign, user)


@annotate.post("/profile", response_model=ParticipationState, responses=errors(ConsentRequired))
def profile(
    campaign: AnnotatableCampaign, body: ProfileRequest, user: CurrentUser, session: SessionDep
) -> ParticipationState:
    service.answer_survey(session, campaign, user, body.answers)
    return _state(session, campaign, user)


@annotate.get("/completion", response_model=CompletionOut)
def completion(
    campaign: AnnotatableCampaign, user: CurrentUser, session: SessionDep
) -> CompletionOut:
    """Progress towards the crowd target; the completion code and link once it is reached."""
    done = service.completion(session, campaign, user)
    return CompletionOut(**done.__dict__)


@crowd.post(
    "/{slug}/enter",
    response_model=CrowdEnterResponse,
    responses=errors(CsrfFailed, SessionExists),
)
def enter(
    slug: str,
    body: CrowdEnterRequest,
    request: Request,
    response: Response,
    session: SessionDep,
) -> CrowdEnterResponse:
    """Sign in the annotator a crowd link names (created on first visit, resumed after).

    A browser already signed in as this participant keeps its session. One signed in as
    anyone else gets 409 ``session_exists`` naming them, unless the body says
    ``replace_session``: then that session is ended first, which needs its CSRF header like
    any other write (the Lax cookie keeps other sites out, not a page on a sibling subdomain).
    """
    campaign = get_by_slug(session, slug)
    if campaign.status != CampaignStatus.active:
        raise CrowdEntryClosed(f"Campaign '{slug}' is not taking annotators")
    service.link_hash(campaign, body.params)  # a broken link says so whoever is signed in
    token = request.cookies.get(SESSION_COOKIE) or ""
    current = auth.user_for_session_token(session, token) if token else None
    if current is not None and service.is_linked_participant(
        session, campaign, current, body.params
    ):
        service.enter(session, campaign, body.params)  # records the link's study and session
    else:
        if current is not None:
            if not body.replace_session:
                raise SessionExists(
                    f"You are signed in as {current.display_name}",
                    details={"display_name": current.display_name, "role": current.role.value},
                )
            if not auth.csrf_matches(token, request.headers.get(CSRF_HEADER)):
                raise CsrfFailed(f"Missing or wrong {CSRF_HEADER} header")
            auth.end_session(session, token)
        user = service.enter(session, campaign, body.params)
        set_session_cookies(response, auth.start_session(session, user))
    return CrowdEnterResponse(
        slug=campaign.slug, kind="trees" if spec_of(campaign).trees is not None else "items"
    )
