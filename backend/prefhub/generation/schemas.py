from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from prefhub.kit.bounds import INT64_MAX
from prefhub.kit.time import UtcDatetime
from prefhub.models import JobStatus, ProviderKind

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
SECRET_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"
# A request may wait this long for a model; a local model on a CPU can be slow.
MAX_TIMEOUT_S = 600
_URL = TypeAdapter(HttpUrl)
# Sampling parameters pass through to the endpoint as given; the integer ones it counts with
# are bounded here, so a researcher cannot ask a worker for a billion tokens.
INTEGER_PARAMS = {
    "max_tokens": (1, 1_000_000),
    "max_completion_tokens": (1, 1_000_000),
    "max_new_tokens": (1, 1_000_000),
    "top_k": (0, 1_000_000),
    "seed": (-INT64_MAX - 1, INT64_MAX),
}


def _bounded_params(params: dict[str, Any]) -> dict[str, Any]:
    for name, (low, high) in INTEGER_PARAMS.items():
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer from {low} to {high}")
    return params


SamplingParams = Annotated[dict[str, Any], AfterValidator(_bounded_params)]


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
        default=None,
        pattern=SECRET_PATTERN,
        description="the name of a model secret an admin configured (GET /api/models/secrets), "
        "never a key",
    )
    default_params: SamplingParams = Field(default_factory=dict)
    max_concurrency: int = Field(default=4, ge=1, le=1024)
    timeout_s: float = Field(default=60.0, gt=0, le=MAX_TIMEOUT_S)

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
    created_at: UtcDatetime
    mine: bool = Field(description="registered by the caller")
    shared_with_all: bool
    shared_with: list[str] | None = Field(
        default=None, description="researchers it is shared with (its owner and admins see it)"
    )


class ModelEndpointList(BaseModel):
    models: list[ModelEndpointOut]


class ModelSharing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    all: bool = Field(default=False, description="every researcher (admins only)")
    researchers: list[Annotated[str, Field(min_length=3, max_length=320)]] = Field(
        default_factory=list, max_length=500, description="e-mails of researchers"
    )


class ModelSecretOut(BaseModel):
    name: str
    hosts: list[str] = Field(description="the only hosts its key is sent to")
    available: bool = Field(description="the key is set in the API's environment")


class ModelSecretList(BaseModel):
    secrets: list[ModelSecretOut]


class ModelTestResult(BaseModel):
    ok: bool
    latency_ms: int | None = None
    reply: str | None = None
    error: str | None = None


class GenerationJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(min_length=1, max_length=20, description="model endpoint names")
    samples: int = Field(default=1, ge=1, le=16, description="samples per item and model")
    params: SamplingParams = Field(default_factory=dict, description="sampling parameters")
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
    status: JobStatus
    models: list[str]
    samples: int
    params: dict[str, Any]
    round: int
    progress: GenerationProgress
    errors: list[str]
    created_at: UtcDatetime
    finished_at: UtcDatetime | None


class GenerationJobList(BaseModel):
    jobs: list[GenerationJobOut]
