from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.orm import Session

from prefhub.auth import service, throttle
from prefhub.auth.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    client_address,
    current_session_token,
)
from prefhub.auth.exceptions import (
    CannotDeactivateSelf,
    InvalidCredentials,
    InvalidResetToken,
    LastAdmin,
    NoPasswordLogin,
    NotAllowed,
    TooManyAttempts,
    UserExists,
    WrongPassword,
)
from prefhub.auth.passwords import check_password
from prefhub.auth.policies import is_staff
from prefhub.auth.schemas import (
    AccountOut,
    AccountPage,
    LoginRequest,
    LoginResponse,
    PasswordChange,
    PasswordResetCreated,
    PasswordResetUse,
    RoleChange,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
)
from prefhub.kit.bounds import Offset, PathId
from prefhub.kit.db import unit_of_work
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import NotFound
from prefhub.kit.openapi import errors
from prefhub.settings import get_settings

router = APIRouter(prefix="/api", tags=["auth"])


def set_session_cookies(response: Response, token: str) -> None:
    settings = get_settings()
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    # Readable by the page's JavaScript, which echoes it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE,
        service.csrf_token_for(token),
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def _count_failed_login(session: Session, email: str, address: str) -> None:
    # The request's transaction rolls back on the error, so the failure is stored by one of
    # its own; the request's ends first, as on SQLite it holds the only write lock.
    session.rollback()
    with unit_of_work() as own:
        throttle.record_failure(own, email, address)


@router.post(
    "/auth/login",
    response_model=LoginResponse,
    responses=errors(InvalidCredentials, TooManyAttempts),
)
def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep
) -> LoginResponse:
    """Too many failures for the e-mail or from the address answer 429 (``Retry-After``)
    without checking the password."""
    address = client_address(request)
    throttle.ensure_login_allowed(session, body.email, address)
    try:
        user = service.authenticate(session, body.email, body.password)
    except InvalidCredentials:
        _count_failed_login(session, body.email, address)
        raise
    throttle.clear_account(session, body.email)
    set_session_cookies(response, service.start_session(session, user))
    return LoginResponse(user=UserOut.model_validate(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(WrongPassword, TooManyAttempts),
)
def change_password(
    body: PasswordChange, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Change one's own password; every other session of the user ends, this one stays.
    Wrong current passwords count as failed logins (the same throttle guards both)."""
    address = client_address(request)
    if user.email:
        throttle.ensure_login_allowed(session, user.email, address)
    try:
        service.change_password(
            session,
            user,
            body.current_password,
            body.new_password,
            keep_session=current_session_token(request),
        )
    except WrongPassword:
        if user.email:
            _count_failed_login(session, user.email, address)
        raise
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(InvalidResetToken),
)
def use_password_reset(body: PasswordResetUse, session: SessionDep) -> Response:
    """Set a new password with the token of a reset link (no login needed); it works once,
    and every session of the user ends."""
    service.reset_password(session, body.token, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/sessions/end-others", response_model=SessionsEnded)
def end_other_sessions(request: Request, user: CurrentUser, session: SessionDep) -> SessionsEnded:
    """Sign out everywhere else: every session of the user but this one ends."""
    keep = current_session_token(request)
    return SessionsEnded(ended=service.end_sessions(session, user.id, keep=keep))


@router.get("/users", response_model=AccountPage)
def list_users(
    user: AdminUser,
    session: SessionDep,
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
) -> AccountPage:
    users, total = service.list_users(session, limit=limit, offset=offset)
    return AccountPage(
        users=[AccountOut.model_validate(u) for u in users], total=total, limit=limit, offset=offset
    )


@router.post(
    "/users/{user_id}/password-reset",
    response_model=PasswordResetCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(NoPasswordLogin),
)
def issue_password_reset(
    user_id: PathId, user: AdminUser, session: SessionDep
) -> PasswordResetCreated:
    """A one-time link (valid 24 hours) for the user to choose a new password; hand it over
    yourself. Earlier unused links for the user stop working."""
    target = service.get_user(session, user_id)
    row, token = service.issue_password_reset(session, target, user)
    return PasswordResetCreated(
        user_id=target.id,
        token=token,
        link=f"/reset-password#token={token}",
        expires_at=row.expires_at,
    )


@router.post(
    "/users/{user_id}/deactivate",
    response_model=AccountOut,
    responses=errors(CannotDeactivateSelf),
)
def deactivate_user(user_id: PathId, user: AdminUser, session: SessionDep) -> AccountOut:
    """The user can no longer sign in; their sessions end and their API tokens stop working."""
    target = service.get_user(session, user_id)
    service.set_active(session, target, False, by=user)
    return AccountOut.model_validate(target)


@router.post("/users/{user_id}/activate", response_model=AccountOut)
def activate_user(user_id: PathId, user: AdminUser, session: SessionDep) -> AccountOut:
    target = service.get_user(session, user_id)
    service.set_active(session, target, True, by=user)
    return AccountOut.model_validate(target)


@router.put("/users/{user_id}/role", response_model=AccountOut, responses=errors(LastAdmin))
def change_user_role(
    user_id: PathId, body: RoleChange, user: AdminUser, session: SessionDep
) -> AccountOut:
    """Make the user an annotator, researcher or admin; the last active admin cannot be
    demoted (409 ``last_admin``)."""
    target = service.get_user(session, user_id)
    service.set_role(session, target, body.role)
    return AccountOut.model_validate(target)


@router.post("/users/{user_id}/sessions/end", response_model=SessionsEnded)
def end_user_sessions(user_id: PathId, user: AdminUser, session: SessionDep) -> SessionsEnded:
    """Sign the user out of every browser (API tokens are revoked separately)."""
    target = service.get_user(session, user_id)
    return SessionsEnded(ended=service.end_sessions(session, target.id))


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(UserExists),
)
def create_user(body: UserCreate, user: AdminUser, session: SessionDep) -> UserOut:
    check_password(body.password, [body.email, body.display_name])
    created = service.create_user(
        session,
        email=body.email,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        languages=body.languages,
    )
    return UserOut.model_validate(created)


@router.post("/auth/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenCreated:
    if not is_staff(user):
        raise NotAllowed("API tokens are for researchers and admins")
    row, token = service.create_api_token(session, user, body.name)
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=token)


@router.get("/auth/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_api_tokens(session, user)]


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    if not service.revoke_api_token(session, user, token_id):
        raise NotFound("No such token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
