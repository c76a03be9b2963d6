"""Who is calling: a browser session cookie (with CSRF check) or an API bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from prefhub.auth import service
from prefhub.auth.exceptions import CsrfFailed, NotAllowed, NotAuthenticated
from prefhub.auth.policies import is_staff
from prefhub.kit.deps import SessionDep
from prefhub.models import User

SESSION_COOKIE = "prefhub_session"
CSRF_COOKIE = "prefhub_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_current_user(request: Request, session: SessionDep) -> User:
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        # Bearer tokens are never sent by a browser on its own, so they need no CSRF check.
        user = service.user_for_api_token(session, authorization[7:].strip())
        if user is None:
            raise NotAuthenticated("Invalid or revoked API token")
        return user
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Log in first")
    user = service.user_for_session_token(session, token)
    if user is None:
        raise NotAuthenticated("Your session has expired; log in again")
    if request.method not in SAFE_METHODS and not service.csrf_matches(
        token, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfFailed(f"Missing or wrong {CSRF_HEADER} header")
    return user


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
