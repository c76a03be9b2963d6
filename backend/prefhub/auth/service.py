"""Accounts, password hashing, browser sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from prefhub.auth.exceptions import (
    CannotDeactivateSelf,
    InvalidCredentials,
    InvalidResetToken,
    LastAdmin,
    NoPasswordLogin,
    UserExists,
    WrongPassword,
)
from prefhub.auth.passwords import check_password
from prefhub.kit.db import rowcount
from prefhub.kit.errors import NotFound
from prefhub.kit.time import utcnow
from prefhub.models import (
    ApiToken,
    Campaign,
    CampaignStatus,
    PasswordReset,
    Role,
    User,
    UserSession,
)
from prefhub.settings import get_settings

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_PREFIX = "phk_"
PASSWORD_RESET_LIFETIME = timedelta(hours=24)
# How precisely an API token's last use is kept (see caller_for_api_token).
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    password: str | None,
    role: Role = Role.annotator,
    display_name: str = "",
    languages: list[str] | None = None,
    is_synthetic: bool = False,
    profile: dict[str, Any] | None = None,
) -> User:
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserExists(f"A user with e-mail {email} already exists")
    user = User(
        email=email,
        password_hash=_hasher.hash(password) if password else None,
        role=role,
        display_name=display_name or email.split("@")[0],
        languages=languages or [],
        is_synthetic=is_synthetic,
        profile=profile or {},
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials("Wrong e-mail or password") from None
    if user is None or not user.is_active or not user.password_hash:
        raise InvalidCredentials("Wrong e-mail or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, user: User) -> str:
    """Create a browser session and return its secret token (only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=get_settings().session_days)
    session.add(
        UserSession(user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + lifetime)
    )
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is not None:
        session.delete(row)
        session.flush()


@dataclass(frozen=True)
class Caller:
    """Who a request comes from and, when the route names one, the campaign of its ``{slug}``
    (None when no campaign has that slug), read together in one statement."""

    user: User
    campaign: Campaign | None


def _with_campaign(query: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    """``query``, and ``query`` with the campaign of the ``slug`` parameter riding along (a LEFT
    JOIN on its slug, unrelated to the caller's row): a route that needs both pays one round
    trip, not two. Built once: every request of the task loop runs one of them."""
    campaign = query.add_columns(Campaign).outerjoin(Campaign, Campaign.slug == bindparam("slug"))
    return query, campaign


_SESSION_CALLER = _with_campaign(
    select(User, UserSession.expires_at)
    .select_from(UserSession)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)
_TOKEN_CALLER = _with_campaign(
    select(User, ApiToken.id, ApiToken.last_used_at)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _caller_row(
    session: Session, queries: tuple[Select[Any], Select[Any]], token: str, slug: str | None
) -> Row[Any] | None:
    query = queries[0] if slug is None else queries[1]
    return session.execute(query, {"token_hash": hash_token(token), "slug": slug}).first()


def _session_live(expires_at: datetime, is_active: bool) -> bool:
    return expires_at >= utcnow() and is_active


def _touch_token(
    session: Session | Connection, token_id: int, last_used_at: datetime | None
) -> None:
    """Keep the token's ``last_used_at`` to the minute: a script's every request would
    otherwise also be a write."""
    now = utcnow()
    if last_used_at is None or now - last_used_at >= TOKEN_USE_RESOLUTION:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def caller_for_session_token(
    session: Session, token: str, slug: str | None = None
) -> Caller | None:
    """The active user of a live browser session (and the campaign ``slug`` names), or None."""
    row = _caller_row(session, _SESSION_CALLER, token, slug)
    if row is None:
        return None
    user, expires_at = row[0], row[1]
    if not _session_live(expires_at, user.is_active):
        return None
    return Caller(user, row[2] if slug is not None else None)


def user_for_session_token(session: Session, token: str) -> User | None:
    caller = caller_for_session_token(session, token)
    return caller.user if caller else None


def csrf_token_for(session_token: str) -> str:
    """The CSRF token is bound to the session: an HMAC of it under the server secret."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    # Compared as bytes: a header may hold any latin-1 text, and compare_digest refuses
    # non-ASCII strings.
    return presented is not None and hmac.compare_digest(
        csrf_token_for(session_token).encode(), presented.encode("utf-8", "surrogateescape")
    )


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(token), token_prefix=token[:10]
    )
    session.add(row)
    session.flush()
    return row, token


def caller_for_api_token(session: Session, token: str, slug: str | None = None) -> Caller | None:
    """The active user of an unrevoked API token (and the campaign ``slug`` names), or None;
    the token's ``last_used_at`` is written at most once a minute."""
    row = _caller_row(session, _TOKEN_CALLER, token, slug)
    if row is None:
        return None
    user, token_id, last_used_at = row[0], row[1], row[2]
    if not user.is_active:
        return None
    _touch_token(session, token_id, last_used_at)
    return Caller(user, row[3] if slug is not None else None)


# ---------------------------------------------------------------- the task loop's caller


@dataclass(frozen=True, slots=True)
class Account:
    """The columns of the caller's account the task loop's checks read (eligibility, crowd
    membership), without an ORM entity: these routes are most of the traffic."""

    id: int
    role: Role
    crowd_campaign_id: int | None
    languages: list[Any]
    profile: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """The columns of a campaign the task loop reads (its spec as stored, for ``spec_of``)."""

    id: int
    slug: str
    name: str
    status: CampaignStatus
    version: int
    created_at: datetime
    owner_id: int
    spec: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoopCaller:
    """``Caller`` as plain columns: the account and the path's campaign (None when no
    campaign has that slug)."""

    account: Account
    campaign: CampaignRow | None


_ACCOUNT_COLUMNS = (
    User.id,
    User.role,
    User.crowd_campaign_id,
    User.languages,
    User.profile,
    User.is_active,
)
_CAMPAIGN_COLUMNS = (
    Campaign.id,
    Campaign.slug,
    Campaign.name,
    Campaign.status,
    Campaign.version,
    Campaign.created_at,
    Campaign.owner_id,
    Campaign.spec,
)
_ACCOUNT_WIDTH = len(_ACCOUNT_COLUMNS)


def _loop_caller_query(query: Select[Any]) -> Select[Any]:
    """``query``'s caller, then the campaign of the ``slug`` parameter, as columns."""
    return query.add_columns(*_ACCOUNT_COLUMNS, *_CAMPAIGN_COLUMNS).outerjoin(
        Campaign, Campaign.slug == bindparam("slug")
    )


_SESSION_LOOP_CALLER = _loop_caller_query(
    select(UserSession.expires_at)
    .select_from(UserSession)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)
_TOKEN_LOOP_CALLER = _loop_caller_query(
    select(ApiToken.id, ApiToken.last_used_at)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _loop_caller(row: Row[Any], start: int) -> LoopCaller:
    columns = row._tuple()
    account = Account(*columns[start : start + _ACCOUNT_WIDTH - 1])
    campaign = columns[start + _ACCOUNT_WIDTH :]
    return LoopCaller(account, CampaignRow(*campaign) if campaign[0] is not None else None)


def _loop_caller_row(
    connection: Connection, query: Select[Any], token: str, slug: str
) -> Row[Any] | None:
    # As Core: columns need none of the ORM's result handling.
    return connection.execute(query, {"token_hash": hash_token(token), "slug": slug}).first()


def loop_caller_for_session_token(
    connection: Connection, token: str, slug: str
) -> LoopCaller | None:
    """``caller_for_session_token`` read as columns."""
    row = _loop_caller_row(connection, _SESSION_LOOP_CALLER, token, slug)
    if row is None or not _session_live(row[0], row[1 + _ACCOUNT_WIDTH - 1]):
        return None
    return _loop_caller(row, 1)


def loop_caller_for_api_token(connection: Connection, token: str, slug: str) -> LoopCaller | None:
    """``caller_for_api_token`` read as columns (``last_used_at`` written as there)."""
    row = _loop_caller_row(connection, _TOKEN_LOOP_CALLER, token, slug)
    if row is None or not row[2 + _ACCOUNT_WIDTH - 1]:
        return None
    _touch_token(connection, row[0], row[1])
    return _loop_caller(row, 2)


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    row.revoked_at = row.revoked_at or utcnow()
    return True


def loop_entities(session: Session, campaign_id: int, user_id: int) -> tuple[Campaign, User]:
    """The ORM entities of a ``LoopCaller``'s campaign and account, in one statement."""
    campaign, user = session.execute(
        select(Campaign, User).join(User, User.id == user_id).where(Campaign.id == campaign_id)
    ).one()
    return campaign, user


# ---------------------------------------------------------------- account management


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}")
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"No user with e-mail {normalise_email(email)}")
    return user


def list_users(session: Session, *, limit: int, offset: int) -> tuple[list[User], int]:
    users = session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return list(users), session.scalar(select(func.count(User.id))) or 0


def set_password(session: Session, user: User, password: str) -> None:
    """Store a password the person chose, if the password policy accepts it."""
    check_password(password, [user.email, user.display_name])
    user.password_hash = _hasher.hash(password)
    session.flush()


def change_password(
    session: Session, user: User, current: str, new: str, *, keep_session: str | None
) -> None:
    """Change one's own password; every session but ``keep_session`` (a token) ends."""
    try:
        _hasher.verify(user.password_hash or _DUMMY_HASH, current)
    except (VerificationError, InvalidHashError):
        raise WrongPassword("The current password is wrong") from None
    if not user.password_hash:
        raise WrongPassword("The current password is wrong")
    set_password(session, user, new)
    end_sessions(session, user.id, keep=keep_session)


def end_sessions(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End a user's browser sessions, but for the one whose token is ``keep``; how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.token_hash != hash_token(keep))
    return rowcount(session, query)


def issue_password_reset(
    session: Session, user: User, issued_by: User | None
) -> tuple[PasswordReset, str]:
    """A one-time reset token for ``user`` (only its hash is stored); earlier unused ones for
    the same user stop working."""
    if not user.email:
        raise NoPasswordLogin("This account signs in through a crowd link and has no password")
    session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + PASSWORD_RESET_LIFETIME,
        created_by_id=issued_by.id if issued_by else None,
    )
    session.add(row)
    session.flush()
    return row, token


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set the password with a reset token, once; every session of the user ends."""
    now = utcnow()
    # One statement claims the token, so two concurrent uses cannot both succeed.
    user_id = session.scalar(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == hash_token(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    )
    if user_id is None:
        raise InvalidResetToken("This reset link is unknown, used or expired; ask for a new one")
    user = get_user(session, user_id)
    set_password(session, user, new_password)
    end_sessions(session, user.id)
    return user


def set_active(session: Session, user: User, active: bool, *, by: User | None = None) -> None:
    """Deactivating ends the user's sessions; their API tokens stop working while inactive
    (``user_for_api_token`` checks), and work again if the account is reactivated."""
    if not active and by is not None and by.id == user.id:
        raise CannotDeactivateSelf("You cannot deactivate your own account")
    user.is_active = active
    if not active:
        end_sessions(session, user.id)
    session.flush()


def set_role(session: Session, user: User, role: Role) -> None:
    """Change an account's role; the last active admin keeps theirs, so someone can always
    manage accounts (a role is read on every request, so the change takes effect at once)."""
    if user.role == Role.admin and role != Role.admin and user.is_active:
        other_admins = session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.admin, User.is_active.is_(True), User.id != user.id
            )
        )
        if not other_admins:
            raise LastAdmin("This is the last active admin; make someone else admin first")
    user.role = role
    session.flush()
