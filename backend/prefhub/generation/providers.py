"""Model providers over httpx. Each turns a context into a completion or raises a
``RetryableModelError`` (429, 5xx, timeouts, dropped connections) or a
``PermanentModelError``."""

from __future__ import annotations

import base64
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from prefhub.generation import secrets
from prefhub.generation.exceptions import PermanentModelError, RetryableModelError
from prefhub.kit import egress
from prefhub.kit.content import plain_text
from prefhub.kit.json_input import storable
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


def post_json(
    client: httpx.Client,
    endpoint: ModelEndpoint,
    path: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """POST ``body`` to the endpoint through the egress policy (``client`` must come from
    ``kit.egress``). Errors say what went wrong without echoing the answer: a model URL may
    point anywhere, and its answer is not the researcher's to read unless it is the model's."""
    url = endpoint.base_url.rstrip("/") + path
    timeout = endpoint.timeout_s
    headers = secrets.authorization(endpoint.api_key_secret, url)
    try:
        response = client.post(url, json=body, headers=headers, timeout=timeout)
    except egress.EgressForbidden as exc:
        raise PermanentModelError(f"refused by the egress policy: {exc.message}") from None
    except egress.EgressFailed as exc:
        raise RetryableModelError(exc.message) from None
    except httpx.TimeoutException:
        raise RetryableModelError(f"timed out after {timeout:g}s") from None
    except httpx.TransportError as exc:
        raise RetryableModelError(f"connection failed ({type(exc).__name__})") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableModelError(_status_error(response), _retry_after(response))
    if response.status_code >= 400:
        raise PermanentModelError(_status_error(response))
    try:
        data = response.json()
    except ValueError:
        raise PermanentModelError("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise PermanentModelError("the answer is not a JSON object")
    return data


# The part of an OpenAI-style error worth showing: its message, short and printable.
MAX_ERROR_MESSAGE = 200


def _status_error(response: httpx.Response) -> str:
    """``HTTP 404`` plus the ``error.message`` of an OpenAI-style error body, if any."""
    text = f"HTTP {response.status_code}"
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return text
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(message, str) and message.strip():
        shown = "".join(c for c in message if c.isprintable())[:MAX_ERROR_MESSAGE]
        text += f": {shown}"
    return text


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
    except (KeyError, IndexError, TypeError):
        raise PermanentModelError("the answer is not a chat completion") from None
    if not isinstance(text, str):
        raise PermanentModelError("the answer is not a chat completion")
    usage = data.get("usage") or {}
    return Completion(
        content=[{"type": "text", "text": storable(text)}],
        latency_ms=latency,
        prompt_tokens=token_count(usage, "prompt_tokens"),
        completion_tokens=token_count(usage, "completion_tokens"),
        finish_reason=short_text(choice.get("finish_reason")),
        raw_model=short_text(data.get("model")),
    )


def short_text(value: Any, limit: int = 200) -> str | None:
    """A label from a model's answer (its model name, a finish reason), fit to be stored."""
    return storable(value[:limit]) if isinstance(value, str) else None


def token_count(usage: Any, key: str) -> int | None:
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and 0 <= value < 2**31 else None


Provider = Callable[[httpx.Client, ModelEndpoint, list[dict[str, Any]], dict[str, Any]], Completion]


def _imported_on_first_use(module: str, name: str) -> Provider:
    """Providers in their own modules import this one (and local_hf, lazily, torch)."""

    def provider(
        client: httpx.Client,
        endpoint: ModelEndpoint,
        context: list[dict[str, Any]],
        params: dict[str, Any],
    ) -> Completion:
        call: Provider = getattr(importlib.import_module(module), name)
        return call(client, endpoint, context, params)

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
