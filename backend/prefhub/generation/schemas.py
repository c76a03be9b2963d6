from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from prefhub.models import GenerationStatus, ProviderKind

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
ENV_PATTERN = r"^[A-Z_][A-Z0-9_]{0,99}$"
_URL = TypeAdapter(HttpUrl)


class ModelEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    provider: ProviderKind = ProviderKind.openai_chat
    base_url: str = Field(
        min_length=1,
        max_length=500,
        description="the API's http(s) URL; for local_hf, the absolute path of the model directory",
    )
    model: str = Field(min_length=1, max_length=200)
    api_key_secret: str | None = Field(
        default=None, pattern=ENV_PATTERN, description="name of the variable holding the key"
    )
    default_params: dict[str, Any] = Field(default_factory=dict)
    max_concurrency: int = Field(default=4, ge=1, le=1024)
    timeout_s: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("base_url")
    @classmethod
    def _base_url_fits_provider(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("provider") == ProviderKind.local_hf:
            # The worker loads it, whatever directory the worker was started in.
            if not PurePosixPath(value).is_absolute():
                raise ValueError("a local_hf model's base_url is its directory's absolute path")
            return value
        try:
            return str(_URL.validate_python(value))
        except ValidationError as exc:
            raise ValueError(f"not an http(s) URL: {exc.errors()[0]['msg']}") from None


class ModelEndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    provider: ProviderKind
    base_url: str
    model: str
    api_key_secret: str | None
    default_params: dict[str, Any]
    max_concurrency: int
    timeout_s: float
    created_at: datetime


class ModelEndpointList(BaseModel):
    models: list[ModelEndpointOut]


class ModelTestResult(BaseModel):
    ok: bool
    latency_ms: int | None = None
    reply: str | None = None
    error: str | None = None


class GenerationJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(min_length=1, max_length=20, description="model endpoint names")
    samples: int = Field(default=1, ge=1, le=16, description="samples per item and model")
    params: dict[str, Any] = Field(default_factory=dict, description="sampling parameters")
    item_ids: list[str] | None = Field(
        default=None, max_length=100_000, description="external item ids; default every item"
    )
    new_round: bool = Field(default=False, description="store as the next on-policy round")


class GenerationProgress(BaseModel):
    total: int
    done: int
    failed: int
    cancelled: int


class GenerationJobOut(BaseModel):
    id: int
    campaign_slug: str
    status: GenerationStatus
    models: list[str]
    samples: int
    params: dict[str, Any]
    round: int
    progress: GenerationProgress
    errors: list[str]
    created_at: datetime
    finished_at: datetime | None


class GenerationJobList(BaseModel):
    jobs: list[GenerationJobOut]
