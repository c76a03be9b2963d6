from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from prefhub.kit.time import UtcDatetime
from prefhub.models import Role


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    display_name: str
    role: Role


class LoginResponse(BaseModel):
    user: UserOut


# Passwords a person chooses are judged by auth/passwords.py (a weak_password error), not by
# a length here.
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: Password
    display_name: str = Field(default="", max_length=200)
    role: Role = Role.annotator
    languages: list[str] = Field(default_factory=list)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    token_prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class TokenCreated(TokenOut):
    # Shown once; only its hash is stored.
    token: str


class AccountOut(UserOut):
    """A user as admins manage them."""

    is_active: bool
    created_at: UtcDatetime


class RoleChange(BaseModel):
    role: Role


class AccountPage(BaseModel):
    users: list[AccountOut]
    total: int
    limit: int
    offset: int


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: Password


class PasswordResetCreated(BaseModel):
    user_id: int
    # Shown once; only its hash is stored.
    token: str
    # Relative to the server's address; the token is in the fragment, which browsers do not
    # send to servers or in Referer headers.
    link: str
    expires_at: UtcDatetime


class PasswordResetUse(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class SessionsEnded(BaseModel):
    ended: int
