from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefhub.models.base import Base, TimestampMixin


class Role(enum.StrEnum):
    admin = "admin"
    researcher = "researcher"
    annotator = "annotator"


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable: crowd-platform annotators arrive with an external id and no e-mail.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, validate_strings=True), default=Role.annotator
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Simulated annotators (``prefhub simulate``) are real rows, marked so they can be filtered.
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A crowd participant's account exists for the one campaign whose link created it: they
    # see that campaign only. (No foreign key: the users table predates campaigns'.)
    crowd_campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)


class UserSession(TimestampMixin, Base):
    """A browser login. Only the token's hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime())

    user: Mapped[User] = relationship(lazy="raise")


class ApiToken(TimestampMixin, Base):
    """A token for researchers' scripts (``Authorization: Bearer ...``), stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in listings so people can tell tokens apart.
    token_prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())

    user: Mapped[User] = relationship(lazy="raise")


class PasswordReset(TimestampMixin, Base):
    """A one-time password reset an admin issued; only the token's hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    used_at: Mapped[datetime | None] = mapped_column(DateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LoginFailure(Base):
    """A failed login, kept for a while so every API process throttles alike. ``key`` is
    ``account:<normalised e-mail>`` or ``address:<client address>``."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
