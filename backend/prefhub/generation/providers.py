"""Model providers over httpx. Each turns a context into a completion or raises a
``RetryableModelError`` (429, 5xx, timeouts, dropped connections) or a
``PermanentModelError``."""

from __future__ import annotations

import base64
import importlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.kit.content import plain_text
from prefhub.media.storage import StoredMedia, read_media
from prefhub.models import ModelEndpoint, ProviderKind

MAX_RETRY_AFTER = 300.0


@dataclass
class Completion:
    content: list[dict[str, Any]]
    latency_ms: int
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    raw_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Media the content refers to, already in the media store; recorded with the candidate.
    media: list[StoredMedia] = field(default_factory=list)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except ValueError:
        try:
            delay = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
        return min(max(delay, 0.0), MAX_RETRY_AFTER)


def _headers(endpoint: ModelEndpoint) -> dict[str, str]:
    if not endpoint.api_key_secret:
        return {}
    key = os.environ.get(endpoint.api_key_secret)
    if not key:
        raise PermanentModelError(
            f"environment variable {endpoint.api_key_secret} (the API key of model "
            f"'{endpoint.name}') is not set in the worker"
        )
    return {"Authorization": f"Bearer {key}"}


def post_json(client: httpx.Client, endpoint: ModelEndpoint, path: str, body: dict) -> dict:
    url = endpoint.base_url.rstrip("/") + path
    try:
        response = client.post(
            url, json=body, headers=_headers(endpoint), timeout=endpoint.timeout_s
        )
    except httpx.TimeoutException as exc:
        raise RetryableModelError(f"timed out after {endpoint.timeout_s}s: {exc!r}") from exc
    except httpx.TransportError as exc:
        raise RetryableModelError(f"connection failed: {exc!r}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableModelError(
            f"HTTP {response.status_code}: {response.text[:300]}", _retry_after(response)
        )
    if response.status_code >= 400:
        raise PermanentModelError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        return response.json()
    except ValueError as exc:
        raise PermanentModelError(f"response is not JSON: {response.text[:200]}") from exc


def chat_messages(context: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI chat messages: plain strings for text, content parts where there is media."""
    return [{"role": m["role"], "content": _chat_content(m["content"])} for m in context]


# Audio formats chat endpoints take as ``input_audio``.
AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3"}


def _chat_content(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    if all(part.get("type") == "text" for part in parts):
        return plain_text(parts)
    content: list[dict[str, Any]] = []
    for part in parts:
        kind = part.get("type")
        if kind == "text":
            content.append({"type": "text", "text": part["text"]})
        elif kind == "image":
            data = base64.b64encode(read_media(part["storage_key"])).decode()
            url = f"data:{part['content_type']};base64,{data}"
            content.append({"type": "image_url", "image_url": {"url": url}})
        elif kind == "audio" and part.get("content_type") in AUDIO_FORMATS:
            data = base64.b64encode(read_media(part["storage_key"])).decode()
            audio = {"data": data, "format": AUDIO_FORMATS[part["content_type"]]}
            content.append({"type": "input_audio", "input_audio": audio})
        else:
            kind = part.get("content_type")
            raise PermanentModelError(f"chat endpoints take text, images and WAV/MP3, not {kind}")
    return content


def openai_chat(
    client: httpx.Client,
    endpoint: ModelEndpoint,
    context: list[dict[str, Any]],
    params: dict[str, Any],
) -> Completion:
    body = {**params, "model": endpoint.model, "messages": chat_messages(context), "n": 1}
    started = time.perf_counter()
    data = post_json(client, endpoint, "/chat/completions", body)
    latency = int((time.perf_counter() - started) * 1000)
    try:
        choice = data["choices"][0]
        text = choice["message"]["content"] or ""
    except (KeyError, IndexError, TypeError) as exc:
        raise PermanentModelError(f"unexpected response shape: {str(data)[:300]}") from exc
    usage = data.get("usage") or {}
    return Completion(
        content=[{"type": "text", "text": text}],
        latency_ms=latency,
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
        finish_reason=choice.get("finish_reason"),
        raw_model=data.get("model"),
    )


Provider = Callable[[httpx.Client, ModelEndpoint, list[dict[str, Any]], dict[str, Any]], Completion]


def _imported_on_first_use(module: str, name: str) -> Provider:
    """Providers in their own modules import this one (and local_hf, lazily, torch)."""

    def provider(
        client: httpx.Client,
        endpoint: ModelEndpoint,
        context: list[dict[str, Any]],
        params: dict[str, Any],
    ) -> Completion:
        return getattr(importlib.import_module(module), name)(client, endpoint, context, params)

    return provider


PROVIDERS: dict[ProviderKind, Provider] = {
    ProviderKind.openai_chat: openai_chat,
    ProviderKind.openai_image: _imported_on_first_use("prefhub.generation.images", "openai_image"),
    ProviderKind.local_hf: _imported_on_first_use("prefhub.generation.local_hf", "local_hf"),
}


def generate(
    client: httpx.Client,
    endpoint: ModelEndpoint,
    context: list[dict[str, Any]],
    params: dict[str, Any],
) -> Completion:
    provider = PROVIDERS.get(endpoint.provider)
    if provider is None:
        raise PermanentModelError(f"provider '{endpoint.provider.value}' is not available yet")
    return provider(client, endpoint, context, params)
