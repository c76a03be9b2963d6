"""What a live chat product sends to ``POST /api/ingest/{source}/events`` (issue 19, point 1).

A batch is a list of events, each on its own (a JSON array, or one per line as JSONL). Every
event names its ``event_id`` (the product's own, stable: a re-sent event is stored once) and its
``conversation_id``; the conversation itself arrives in the OpenAI chat shape, each message
with a stable ``id`` and, for branching conversations (regenerations, edits), its
``parent_id``. Feedback events point at an assistant message by its id:

- explicit: ``thumbs`` (up/down), ``rating`` (1-5), ``comment``;
- implicit: ``regenerate`` (the alternatives the user was shown and the one they kept), ``edit``
  (the user's corrected answer), ``copy``, ``follow_up`` (the user's next turn), ``abandon``.

Each event is validated alone (``parse_event``): a bad one is reported with its position, its
id when readable, a stable code and the field, and never takes the good ones of its batch with
it. Every string and list is bounded here, before anything is stored or redacted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from prefhub.kit.json_input import text_problem

MAX_EVENTS_PER_BATCH = 5_000
MAX_MESSAGES = 500
MAX_ALTERNATIVES = 10
MAX_TEXT = 100_000  # characters of one message
MAX_PARAMETERS = 50  # keys of a model's parameters

ExternalId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
Text = Annotated[str, Field(max_length=MAX_TEXT)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextPart(_Strict):
    type: Literal["text"]
    text: Text


class OtherPart(_Strict):
    """An image, audio or file part: kept as its kind only (its bytes are not taken in)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: Literal["image_url", "input_audio", "file", "refusal"]


ContentPart = Annotated[TextPart | OtherPart, Field(discriminator="type")]


class Message(_Strict):
    id: ExternalId
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | Annotated[list[ContentPart], Field(max_length=50)]
    parent_id: ExternalId | None = None
    model: Annotated[str, Field(max_length=200)] | None = None  # an assistant turn's own model

    @property
    def text(self) -> str:
        """The message as plain text; a non-text part reads as ``[image_url]`` and the like."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(
            part.text if isinstance(part, TextPart) else f"[{part.type}]" for part in self.content
        )

    @field_validator("content")
    @classmethod
    def _storable(cls, content: str | list[Any]) -> str | list[Any]:
        texts = (
            [content]
            if isinstance(content, str)
            else [part.text for part in content if isinstance(part, TextPart)]
        )
        for text in texts:
            problem = text_problem(text)
            if problem:
                raise ValueError(f"text {problem}")
        return content


class Alternative(_Strict):
    """A regenerated answer the user was shown (a sibling of the original)."""

    id: ExternalId
    content: Text
    model: Annotated[str, Field(max_length=200)] | None = None


class _Event(_Strict):
    event_id: ExternalId
    conversation_id: ExternalId
    occurred_at: datetime | None = None  # when the product saw it; the server's time otherwise
    user_id: ExternalId | None = None  # the product's user: kept only as a keyed pseudonym


class ConversationEvent(_Event):
    """The conversation so far, or only its new messages (cheaper: each event is stored as
    sent). Messages are read by id, so a message sent again counts once, with its first text."""

    type: Literal["conversation"]
    model: Annotated[str, Field(min_length=1, max_length=200)]
    parameters: Annotated[dict[str, Any], Field(max_length=MAX_PARAMETERS)] = {}
    messages: Annotated[list[Message], Field(min_length=1, max_length=MAX_MESSAGES)]

    @field_validator("messages")
    @classmethod
    def _unique_ids(cls, messages: list[Message]) -> list[Message]:
        ids = [message.id for message in messages]
        if len(set(ids)) != len(ids):
            raise ValueError("message ids repeat within the conversation")
        return messages


class ThumbsEvent(_Event):
    type: Literal["thumbs"]
    message_id: ExternalId
    value: Literal["up", "down"]


class RatingEvent(_Event):
    type: Literal["rating"]
    message_id: ExternalId
    value: Annotated[int, Field(ge=1, le=5)]


class CommentEvent(_Event):
    type: Literal["comment"]
    message_id: ExternalId
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class RegenerateEvent(_Event):
    """The user asked again for ``message_id``'s turn and saw ``alternatives``; ``kept_id`` is
    the answer they went on with (the original's id, an alternative's, or unknown)."""

    type: Literal["regenerate"]
    message_id: ExternalId
    alternatives: Annotated[list[Alternative], Field(min_length=1, max_length=MAX_ALTERNATIVES)]
    kept_id: ExternalId | None = None

    @field_validator("kept_id")
    @classmethod
    def _kept_is_shown(cls, kept_id: str | None, info: Any) -> str | None:
        shown = {info.data.get("message_id")} | {
            alternative.id for alternative in info.data.get("alternatives") or []
        }
        if kept_id is not None and kept_id not in shown:
            raise ValueError("kept_id is neither message_id nor one of the alternatives")
        return kept_id


class EditEvent(_Event):
    """The user rewrote the assistant's answer ``message_id`` into ``content``."""

    type: Literal["edit"]
    message_id: ExternalId
    content: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class CopyEvent(_Event):
    type: Literal["copy"]
    message_id: ExternalId


class FollowUpEvent(_Event):
    """The user's next turn after the assistant's answer ``message.parent_id``."""

    type: Literal["follow_up"]
    message: Message

    @field_validator("message")
    @classmethod
    def _a_users_reply(cls, message: Message) -> Message:
        if message.role != "user" or message.parent_id is None:
            raise ValueError("a follow-up is a user message with the answer's id as parent_id")
        return message


class AbandonEvent(_Event):
    """The user left the conversation after ``message_id`` without another turn."""

    type: Literal["abandon"]
    message_id: ExternalId


Event = Annotated[
    ConversationEvent
    | ThumbsEvent
    | RatingEvent
    | CommentEvent
    | RegenerateEvent
    | EditEvent
    | CopyEvent
    | FollowUpEvent
    | AbandonEvent,
    Field(discriminator="type"),
]
EVENT_TYPES = (
    "conversation",
    "thumbs",
    "rating",
    "comment",
    "regenerate",
    "edit",
    "copy",
    "follow_up",
    "abandon",
)
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


class EventError(BaseModel):
    """Why one event of a batch was refused; the batch's other events are unaffected."""

    index: int  # position in the batch (line number - 1 for JSONL)
    event_id: str | None  # when it could be read
    code: str  # stable: invalid_event, unknown_type, invalid_json, ...
    field: str | None
    message: str


def parse_event(index: int, document: Any) -> Event | EventError:
    """One event, or why it is refused."""
    event_id = document.get("event_id") if isinstance(document, dict) else None
    readable_id = event_id if isinstance(event_id, str) and len(event_id) <= 200 else None
    if not isinstance(document, dict):
        return EventError(
            index=index,
            event_id=None,
            code="invalid_event",
            field=None,
            message="an event is a JSON object",
        )
    if document.get("type") not in EVENT_TYPES:
        return EventError(
            index=index,
            event_id=readable_id,
            code="unknown_type",
            field="type",
            message=f"type must be one of: {', '.join(EVENT_TYPES)}",
        )
    try:
        return _EVENT.validate_python(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        location = [str(part) for part in first["loc"]]
        # The discriminator's own name leads pydantic's path; the client knows its type.
        if location and location[0] == document["type"]:
            location = location[1:]
        return EventError(
            index=index,
            event_id=readable_id,
            code="invalid_event",
            field=".".join(location) or None,
            message=first["msg"],
        )
