"""Accounts, password hashing, browser sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.auth.exceptions import InvalidCredentials, UserExists
from prefhub.kit.time import utcnow
from prefhub.models import ApiToken, Role, User, UserSession
from prefhub.settings import get_settings

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_PREFIX = "phk_"


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
    profile: dict | None = None,
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


def user_for_session_token(session: Session, token: str) -> User | None:
    row = session.execute(
        select(User, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token))
    ).first()
    if row is None or row.expires_at < utcnow() or not row.User.is_active:
        return None
    return row.User


def csrf_token_for(session_token: str) -> str:
    """The CSRF token is bound to the session: an HMAC of it under the server secret."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token_for(session_token), presented)


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(token), token_prefix=token[:10]
    )
    session.add(row)
    session.flush()
    return row, token


def user_for_api_token(session: Session, token: str) -> User | None:
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.is_active:
        return None
    row.ApiToken.last_used_at = utcnow()
    return row.User


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
