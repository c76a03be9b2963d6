"""Typed content parts: a message's or a candidate's ``content`` is a list of these.

Only text exists today; image, audio and video parts join this union later, so stored rows
never change shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 200_000


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["text"] = "text"
    text: str = Field(max_length=MAX_TEXT)


Part = Annotated[TextPart, Field(discriminator="type")]
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
