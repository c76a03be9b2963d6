"""OpenAI-compatible image generation (``POST {base}/images/generations``).

The image arrives base64-encoded in the response, is validated by its bytes like any upload,
and goes into the media store; the candidate's content is one image part referring to it.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

import httpx

from prefhub.generation.exceptions import PermanentModelError
from prefhub.generation.providers import Completion, post_json, short_text, token_count
from prefhub.kit.content import plain_text
from prefhub.kit.errors import PrefhubError
from prefhub.media.storage import put_bytes
from prefhub.models import ModelEndpoint

# Chat-style sampling parameters an image endpoint would refuse.
CHAT_ONLY = {"temperature", "top_p", "max_tokens", "stop", "presence_penalty", "frequency_penalty"}


def image_prompt(context: list[dict[str, Any]]) -> str:
    """The text of the last user message: what the image should show."""
    for message in reversed(context):
        if message["role"] == "user":
            return plain_text(message["content"])
    raise PermanentModelError("the item has no user message to draw")


def openai_image(
    client: httpx.Client,
    endpoint: ModelEndpoint,
    context: list[dict[str, Any]],
    params: dict[str, Any],
) -> Completion:
    body = {k: v for k, v in params.items() if k not in CHAT_ONLY}
    # Ask for the bytes in the response: a URL would have to be fetched from wherever the
    # endpoint points. Set response_format to null for endpoints that always send base64.
    body.setdefault("response_format", "b64_json")
    body = {k: v for k, v in body.items() if v is not None}
    body |= {"model": endpoint.model, "prompt": image_prompt(context), "n": 1}
    started = time.perf_counter()
    data = post_json(client, endpoint, "/images/generations", body)
    latency = int((time.perf_counter() - started) * 1000)
    try:
        first = data["data"][0]
    except (KeyError, IndexError, TypeError):
        raise PermanentModelError("the answer is not an image generation result") from None
    if not isinstance(first, dict):
        raise PermanentModelError("the answer is not an image generation result")
    encoded = first.get("b64_json")
    if not encoded:
        raise PermanentModelError(
            "the endpoint sent no b64_json image (a URL is not fetched); "
            "check that it supports response_format=b64_json"
        )
    try:
        image = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise PermanentModelError("b64_json is not valid base64") from None
    try:
        stored = put_bytes(image)
    except PrefhubError as exc:
        raise PermanentModelError(f"the endpoint's image was refused: {exc.message}") from exc
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    revised = short_text(first.get("revised_prompt"), 4000)
    extra = {"revised_prompt": revised} if revised else {}
    return Completion(
        content=[stored.part()],
        latency_ms=latency,
        prompt_tokens=token_count(usage, "input_tokens"),
        completion_tokens=token_count(usage, "output_tokens"),
        finish_reason="stop",
        raw_model=short_text(data.get("model")) or endpoint.model,
        extra=extra,
        media=[stored],
    )
