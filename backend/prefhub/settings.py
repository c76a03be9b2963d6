"""Runtime settings, read from ``PREFHUB_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PREFHUB_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./data/prefhub.db"
    # Unset means the embedded worker: a filesystem broker and a worker child process.
    redis_url: str | None = None
    export_root: Path = Path("exports")
    data_dir: Path = Path("data")
    # Media files (images, audio, video), stored once each by their sha256; default
    # ``{data_dir}/media``.
    media_root_dir: Path | None = Field(default=None, alias="PREFHUB_MEDIA_ROOT")
    # Where media bytes live: ``local`` (under media_root) or ``s3`` (an S3-compatible bucket;
    # credentials come from the standard AWS variables, never from here).
    media_storage: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # 0 streams S3 media through the API; above 0 the API answers with a redirect to a URL
    # presigned for this many seconds (the browser must then reach the bucket itself).
    s3_presign_seconds: int = Field(default=0, ge=0, le=7 * 24 * 3600)
    max_media_bytes: int = 50 * 1024 * 1024
    # Connect and read timeout for fetching media URLs (the whole fetch gets six times this).
    media_fetch_timeout_seconds: float = 10.0
    # Tests only: let the URL fetcher reach loopback (a local test server). Every other
    # private, link-local or reserved address stays refused whatever this says.
    media_fetch_allow_loopback: bool = False
    secret_key: str = DEV_SECRET_KEY
    session_days: int = 14
    # Login throttling, shared by every API process through the database: after this many
    # failed logins for one e-mail, or from one client address, within the window, logins
    # for it are refused (429) until the oldest of them leaves the window.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    # Secure cookies need HTTPS; the embedded default serves plain HTTP on localhost.
    cookie_secure: bool = False
    max_upload_bytes: int = 50 * 1024 * 1024
    # Connections per process. Requests in flight per API process are capped at their sum,
    # so a request never waits on a thread while holding a connection (see kit/limits.py).
    db_pool_size: int = 10
    db_max_overflow: int = 5
    celery_queue_prefix: str = "prefhub"
    # Redis hands an unacknowledged task (its worker died) to another worker after this many
    # seconds. Longer than the longest task, or a slow export would run twice.
    redis_visibility_timeout: int = 3600
    # Workers look for generation jobs whose dispatch never reached the broker (it was down
    # when the job was created) this often, and send a job again once it has been idle for
    # the grace period (dispatched but idle: for the visibility timeout). 0 turns it off.
    generation_sweep_seconds: float = 15.0
    generation_dispatch_grace_seconds: float = 30.0

    @field_validator("s3_bucket", "s3_endpoint_url", "s3_region", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker-compose passes unset variables through as empty strings.
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "PREFHUB_SECRET_KEY is at its development default; set a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        if self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError("PREFHUB_SECRET_KEY must be at least 32 characters in production")
        if self.media_storage == "s3" and not self.s3_bucket:
            raise ValueError("PREFHUB_MEDIA_STORAGE=s3 needs PREFHUB_S3_BUCKET")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def media_root(self) -> Path:
        return self.media_root_dir or self.data_dir / "media"

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"


@lru_cache
def get_settings() -> Settings:
    return Settings()
