"""Who is calling (a browser session cookie with CSRF check, or an API bearer token), and the
campaign a route's ``{slug}`` names as that caller may use it.

Refusals, one status per situation, the same on every route:

* not signed in, or a bad token or session: 401 ``not_authenticated``;
* signed in, but the caller's role can never do this (an annotator on a researcher's route, a
  researcher on an admin's): 403 ``forbidden``, whatever object the path names, so it tells
  nothing about that object;
* the object does not exist *for this caller* (another researcher's campaign, another campaign
  than a crowd account's own): 404 with the object's stable code (``campaign_not_found``), the
  same answer as for a slug that exists nowhere, so existence is not leaked;
* the object exists for the caller but refuses this action (a closed campaign, an annotator its
  eligibility rules leave out): the domain's own 409 or 403 (``campaign_not_active``,
  ``not_eligible``), raised by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from prefhub.assignments.eligibility import require_reachable
from prefhub.auth import service
from prefhub.auth.exceptions import CsrfFailed, NotAllowed, NotAuthenticated
from prefhub.auth.policies import can_manage_campaign, can_manage_users, is_staff
from prefhub.campaigns.exceptions import CampaignNotFound
from prefhub.campaigns.service import get_by_slug
from prefhub.kit import thread_hop
from prefhub.kit.db import CoreUnit
from prefhub.kit.deps import SessionDep
from prefhub.models import Campaign, User

SESSION_COOKIE = "prefhub_session"
CSRF_COOKIE = "prefhub_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_Result = TypeVar("_Result")
_Slug = TypeVar("_Slug", str, str | None)

# The two ways to authenticate, declared in the OpenAPI (so /docs has "Authorize") on every
# route that needs a user. auto_error=False: they only declare; get_current_user decides.
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session",
    description=(
        "The browser session of `POST /api/auth/login`. Writes also need the "
        f"`{CSRF_HEADER}` header (the `{CSRF_COOKIE}` cookie's value)."
    ),
    auto_error=False,
)
api_token = HTTPBearer(
    scheme_name="api_token",
    description="An API token made with `POST /api/auth/tokens` (or the settings page).",
    auto_error=False,
)


def get_current_user(
    request: Request,
    session: SessionDep,
    _cookie: Annotated[str | None, Depends(session_cookie)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token)],
) -> User:
    # On a route that takes its campaign as it is (no row lock), the same statement reads the
    # path's campaign too; the campaign dependencies below find it in ``request.state``.
    slug = request.path_params.get("slug") if _reads_campaign(request) else None
    caller = _authenticate(request, session, slug)
    if slug is not None:
        request.state.campaign = (slug, caller.campaign)
    return caller.user


def _authenticate(request: Request, session: Session, slug: str | None) -> service.Caller:
    """The caller of a session cookie (with its CSRF check on writes) or of a bearer token, and
    the campaign ``slug`` names, in one statement; 401 or 403 ``csrf_failed`` otherwise."""
    return _authenticated(
        request, session, slug, service.caller_for_api_token, service.caller_for_session_token
    )


_Caller = TypeVar("_Caller")
_Db = TypeVar("_Db", Session, Connection)
_CallerOf = Callable[[_Db, str, _Slug], _Caller | None]


def _authenticated(
    request: Request,
    session: _Db,
    slug: _Slug,
    by_token: _CallerOf[_Db, _Slug, _Caller],
    by_session: _CallerOf[_Db, _Slug, _Caller],
) -> _Caller:
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        # Bearer tokens are never sent by a browser on its own, so they need no CSRF check.
        caller = by_token(session, authorization[7:].strip(), slug)
        if caller is None:
            raise NotAuthenticated("Invalid or revoked API token")
        return caller
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Log in first")
    caller = by_session(session, token, slug)
    if caller is None:
        raise NotAuthenticated("Your session has expired; log in again")
    if request.method not in SAFE_METHODS and not service.csrf_matches(
        token, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfFailed(f"Missing or wrong {CSRF_HEADER} header")
    return caller


CurrentUser = Annotated[User, Depends(get_current_user)]


def current_session_token(request: Request) -> str | None:
    """The browser session the request came with; None for API-token requests."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    return request.cookies.get(SESSION_COOKIE)


def client_address(request: Request) -> str:
    # Behind a proxy, uvicorn takes it from X-Forwarded-For when the proxy's address is in
    # FORWARDED_ALLOW_IPS (by default 127.0.0.1).
    return request.client.host if request.client else "unknown"


def get_staff_user(user: CurrentUser) -> User:
    if not is_staff(user):
        raise NotAllowed("Only researchers and admins can do this")
    return user


StaffUser = Annotated[User, Depends(get_staff_user)]


def get_admin_user(user: CurrentUser) -> User:
    if not can_manage_users(user):
        raise NotAllowed("Only admins can manage accounts")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def managed_campaign(
    session: SessionDep, user: User, slug: str, *, for_update: bool = False
) -> Campaign:
    """The campaign ``slug`` names if ``user`` manages it (its owner, or an admin); else 404
    ``campaign_not_found``, as for a slug that exists nowhere."""
    campaign = get_by_slug(session, slug, for_update=for_update)
    if not can_manage_campaign(user, campaign):
        raise CampaignNotFound(f"No campaign with slug '{slug}'")
    return campaign


async def _campaign_read_with_caller(request: Request, session: Session, slug: str) -> Campaign:
    """The path's campaign as ``get_current_user`` read it (no statement of its own), or from
    the database when it did not (a route that overrides the user dependency)."""
    loaded = getattr(request.state, "campaign", None)
    if loaded is not None and loaded[0] == slug:
        campaign: Campaign | None = loaded[1]
        if campaign is None:
            raise CampaignNotFound(f"No campaign with slug '{slug}'")
        return campaign
    return await run_in_threadpool(get_by_slug, session, slug)


async def get_managed_campaign(
    request: Request, slug: str, user: StaffUser, session: SessionDep
) -> Campaign:
    """The path's ``{slug}`` campaign, for the researcher who owns it or an admin.

    401 ``not_authenticated`` when not signed in; 403 ``forbidden`` for an annotator (or crowd)
    account, whatever the slug; 404 ``campaign_not_found`` for a slug that exists nowhere and for
    another researcher's campaign alike (a researcher sees only their own campaigns).
    """
    campaign = await _campaign_read_with_caller(request, session, slug)
    if not can_manage_campaign(user, campaign):
        raise CampaignNotFound(f"No campaign with slug '{slug}'")
    return campaign


def get_managed_campaign_for_update(slug: str, user: StaffUser, session: SessionDep) -> Campaign:
    """``ManagedCampaign`` with its row locked until the request commits (changes to it)."""
    return managed_campaign(session, user, slug, for_update=True)


ManagedCampaign = Annotated[Campaign, Depends(get_managed_campaign)]
ManagedCampaignForUpdate = Annotated[Campaign, Depends(get_managed_campaign_for_update)]


async def get_annotatable_campaign(
    request: Request, slug: str, user: CurrentUser, session: SessionDep
) -> Campaign:
    """The path's ``{slug}`` campaign, for any signed-in account it exists for.

    401 ``not_authenticated`` when not signed in; 404 ``campaign_not_found`` for a slug that
    exists nowhere, for a draft or archived campaign, and for any campaign but a crowd account's
    own alike. Whether the caller may take a task now is the service's to say: 409
    ``campaign_not_active`` for a campaign that is paused or closed, 403 ``not_eligible`` for
    an annotator its eligibility rules leave out (both on task routes only, so that an
    annotator can still give consent and a profile, submit a task they hold, read their own
    judgments, and see their completion code).
    """
    return require_reachable(await _campaign_read_with_caller(request, session, slug), user)


AnnotatableCampaign = Annotated[Campaign, Depends(get_annotatable_campaign)]


class LoopWork:
    """What the task loop's work gets: its unit of work (a Core connection, and an ORM session
    made on first ask), the caller's account and the path's campaign as plain columns
    (``service.Account``, ``service.CampaignRow``), and their ORM entities loaded on first ask
    (one statement), for the general path's unusual cases."""

    __slots__ = ("_entities", "account", "campaign", "unit")

    def __init__(
        self, unit: CoreUnit, account: service.Account, campaign: service.CampaignRow
    ) -> None:
        self.unit = unit
        self.account = account
        self.campaign = campaign
        self._entities: tuple[Campaign, User] | None = None

    @property
    def session(self) -> Session:
        return self.unit.session

    def entities(self) -> tuple[Campaign, User]:
        """The campaign and the caller as ORM entities, read once."""
        if self._entities is None:
            self._entities = service.loop_entities(self.session, self.campaign.id, self.account.id)
        return self._entities


class AnnotatorUnit:
    """The task loop's requests (next task, submit) as one unit of work in one worker-thread
    hop (``kit/thread_hop``): open the unit (``kit/db.CoreUnit``), read the caller and the
    path's campaign in one statement (as columns), refuse as ``AnnotatableCampaign`` does, run
    the route's work, commit (or roll back when it raised).

    The same checks as ``CurrentUser`` + ``AnnotatableCampaign`` + ``SessionDep``, without
    their three hops and FastAPI's solving of them: these two routes are most of the traffic.
    """

    def __init__(self, request: Request, slug: str) -> None:
        self._request = request
        self._slug = slug

    async def run(self, work: Callable[[LoopWork], _Result]) -> _Result:
        # Not cancellable once started (as a sync route): the unit always commits or rolls
        # back, and its connection always goes back to the pool.
        return await thread_hop.run_sync(lambda: self._run(work))

    def _run(self, work: Callable[[LoopWork], _Result]) -> _Result:
        unit = CoreUnit()
        try:
            caller = _authenticated(
                self._request,
                unit.connection,
                self._slug,
                service.loop_caller_for_api_token,
                service.loop_caller_for_session_token,
            )
            if caller.campaign is None:
                raise CampaignNotFound(f"No campaign with slug '{self._slug}'")
            campaign = require_reachable(caller.campaign, caller.account)
            result = work(LoopWork(unit, caller.account, campaign))
        except BaseException:
            unit.end(failed=True)
            raise
        unit.end(failed=False)
        return result


async def annotator_unit(
    request: Request,
    slug: str,
    # Declared for the OpenAPI (the "Authorize" of /docs), as on every signed-in route.
    _cookie: Annotated[str | None, Depends(session_cookie)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token)],
) -> AnnotatorUnit:
    return AnnotatorUnit(request, slug)


AnnotatorUnitDep = Annotated[AnnotatorUnit, Depends(annotator_unit)]
# The dependencies that take the path's campaign unlocked: their routes read it with the caller.
_CAMPAIGN_READERS = frozenset({get_managed_campaign, get_annotatable_campaign})


def _depends_on(dependant: Dependant, calls: frozenset[object]) -> bool:
    pending = list(dependant.dependencies)
    while pending:
        sub = pending.pop()
        if sub.call in calls:
            return True
        pending.extend(sub.dependencies)
    return False


# Route (kept alive, so its id is never reused) → whether it reads its campaign with the
# caller; worked out on a route's first request. Routes are unhashable (they define __eq__).
_campaign_routes: dict[int, tuple[APIRoute, bool]] = {}


def _reads_campaign(request: Request) -> bool:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return False
    known = _campaign_routes.get(id(route))
    if known is None:
        known = (route, _depends_on(route.dependant, _CAMPAIGN_READERS))
        _campaign_routes[id(route)] = known
    return known[1]
