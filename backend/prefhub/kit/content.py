"""Typed content parts: a message's or a candidate's ``content`` is a list of these.

Media parts refer to bytes in the media store by their sha256 (``prefhub.media``); the store,
not the part, is the authority on what the bytes are. An import file names its media by path,
URL or sha256 (``items/schemas.py``); the import stores them and writes these parts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 200_000


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["text"] = "text"
    text: str = Field(max_length=MAX_TEXT)


class _MediaPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="served at /api/media/{sha256}")
    content_type: str = Field(max_length=100)
    alt: str | None = Field(default=None, max_length=2000)


class ImagePart(_MediaPart):
    type: Literal["image"] = "image"
    width: int | None = None
    height: int | None = None


class AudioPart(_MediaPart):
    type: Literal["audio"] = "audio"
    duration_ms: int | None = None


class VideoPart(_MediaPart):
    type: Literal["video"] = "video"
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


Part = Annotated[TextPart | ImagePart | AudioPart | VideoPart, Field(discriminator="type")]
Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    """One turn of a context: a role and a list of typed parts."""

    role: Role
    content: list[Part]


def text_parts(content: str | list[Any]) -> list[dict[str, Any]]:
    """Normalise ``"plain text"`` or a list of parts into stored parts."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [part.model_dump() if isinstance(part, BaseModel) else part for part in content]


def plain_text(parts: list[dict[str, Any]]) -> str:
    """The text of a list of parts, joined; non-text parts are skipped."""
    return "\n\n".join(p["text"] for p in parts if p.get("type") == "text")


def prompt_excerpt(context: list[dict[str, Any]], limit: int = 200) -> str:
    """The text of a context's last user turn (else its last turn), cut at ``limit``
    characters on a word boundary: enough for a person to recognise the item."""
    turns = [t for t in context if t.get("role") == "user"] or context
    text = plain_text(turns[-1].get("content") or []) if turns else ""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return (text[:limit].rsplit(None, 1)[0] or text[:limit]) + " …"
