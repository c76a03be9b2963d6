from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=1024)
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
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    # Shown once; only its hash is stored.
    token: str
