"""Runtime settings, read from ``PREFHUB_*`` environment variables."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PREFHUB_", env_file=".env", extra="ignore", populate_by_name=True
    )

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
    # Hosts (``vllm.internal``, ``*.corp.example``) and networks (``10.1.2.0/24``,
    # ``127.0.0.1``) the server may connect to although they are not on the public internet:
    # every outbound request (media URLs, model endpoints) is refused there otherwise
    # (kit/egress.py). Comma-separated or a JSON list.
    egress_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Model API keys: ``PREFHUB_MODEL_KEY_<NAME>`` holds the key of the secret ``<NAME>``, and
    # this maps each name to the hosts (``host`` or ``host:port``) it may be sent to, e.g.
    # ``{"OPENAI": ["api.openai.com"]}``. A secret not listed here is never read.
    model_secret_hosts: dict[str, list[str]] = Field(default_factory=dict)
    # local_hf model directories must lie under this folder; unset refuses local_hf models.
    local_models_root: Path | None = None
    # Requests in flight per API process that call out to a model (``/api/models/{name}/test``)
    # beside, not inside, the request slots; more are refused with 429 at once.
    outbound_concurrency: int = Field(default=4, ge=1, le=64)
    # A model test waits at most this long, whatever the endpoint's own timeout.
    model_test_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    secret_key: str = DEV_SECRET_KEY
    session_days: int = 14
    # Login throttling, shared by every API process through the database: after this many
    # failed logins for one e-mail, or from one client address, within the window, logins
    # for it are refused (429) until the oldest of them leaves the window.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    # Session cookies only over HTTPS. Unset, it is on in production (a TLS proxy in front)
    # and off otherwise (the embedded default serves plain HTTP on localhost); set it false
    # for a plain-HTTP pilot. Unset (None) is resolved by the validator below: always a bool.
    cookie_secure: bool = Field(default=None, validate_default=True)
    # Largest request body; routes that take files (imports, media uploads) allow the larger of
    # max_upload_bytes and max_media_bytes instead (kit/request_limits.py).
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = 50 * 1024 * 1024
    # In-situ ingestion (``POST /api/ingest/{source}/events``): the largest batch body, before
    # and after gzip inflation, and the events one key may send per minute (all API processes).
    ingest_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    ingest_events_per_minute: int = Field(default=600_000, ge=1)
    # Worker processes per API process that parse and redact in-situ batches off the API
    # process's GIL (kit/offload.py); 0 runs them in a thread of the API process.
    cpu_offload_processes: int = Field(default=1, ge=0, le=64)
    # Every worker enforces the sources' retention and derives pending conversations this often
    # (0 turns it off).
    insitu_maintenance_seconds: float = Field(60.0, ge=0, le=86_400)
    # Connections per process. Requests in flight per API process are capped at their sum,
    # so a request never waits on a thread while holding a connection (see kit/limits.py).
    db_pool_size: int = 10
    db_max_overflow: int = 5
    # The annotator's next and submit served without FastAPI's routing (assignments/loop_lane.py);
    # off only to measure what it saves (bench/request_overhead.py).
    loop_lane: bool = True
    celery_queue_prefix: str = "prefhub"
    # Redis hands an unacknowledged task (its worker died) to another worker after this many
    # seconds. Longer than the longest task, or a slow export would run twice.
    redis_visibility_timeout: int = 3600
    # Every worker sweeps for stranded jobs of every kind this often (0 turns it off): a job
    # whose dispatch never reached the broker (it was down) is sent again once it has been
    # queued for the grace period; a running job whose heartbeat is older than the stale
    # period lost its worker, and is sent again (at most ``job_max_attempts`` runs).
    job_sweep_seconds: float = Field(
        15.0,
        validation_alias=AliasChoices(
            "PREFHUB_JOB_SWEEP_SECONDS", "PREFHUB_GENERATION_SWEEP_SECONDS"
        ),
    )
    job_dispatch_grace_seconds: float = Field(
        30.0,
        validation_alias=AliasChoices(
            "PREFHUB_JOB_DISPATCH_GRACE_SECONDS", "PREFHUB_GENERATION_DISPATCH_GRACE_SECONDS"
        ),
    )
    job_heartbeat_seconds: float = Field(5.0, gt=0, le=600)
    # Every worker applies each active campaign's quality rules this often (0 turns it off;
    # reading the annotators endpoint applies them too).
    quality_rules_seconds: float = Field(60.0, ge=0, le=86_400)
    job_stale_seconds: float = Field(60.0, gt=0)
    job_max_attempts: int = Field(3, ge=1, le=100)

    @field_validator("egress_allow", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("model_secret_hosts", mode="after")
    @classmethod
    def _secret_names_upper(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {name.upper(): [h.lower() for h in hosts] for name, hosts in value.items()}

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _secure_in_production(cls, value: object, info: ValidationInfo) -> object:
        if value is None or value == "":
            return info.data.get("environment") == "production"
        return value

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
