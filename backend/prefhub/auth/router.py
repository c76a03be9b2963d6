from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from prefhub.auth import service
from prefhub.auth.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
)
from prefhub.auth.exceptions import NotAllowed
from prefhub.auth.policies import authorize, can_manage_users, is_staff
from prefhub.auth.schemas import (
    LoginRequest,
    LoginResponse,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
)
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import NotFound
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


@router.post("/auth/login", response_model=LoginResponse)
def login(body: LoginRequest, response: Response, session: SessionDep) -> LoginResponse:
    user = service.authenticate(session, body.email, body.password)
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


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> UserOut:
    authorize(can_manage_users(user), "Only admins can create users")
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
def revoke_token(token_id: int, user: CurrentUser, session: SessionDep) -> Response:
    if not service.revoke_api_token(session, user, token_id):
        raise NotFound("No such token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
