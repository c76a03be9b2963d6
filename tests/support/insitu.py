"""Events of a pretend chat product, as its client would send them to the ingestion API."""

from __future__ import annotations

from typing import Any


def conversation_event(conv: str, user: str | None = "user-1", **extra: Any) -> dict[str, Any]:
    """A user's question and the assistant's answer (``{conv}-a1``)."""
    event: dict[str, Any] = {
        "type": "conversation",
        "event_id": f"{conv}-c",
        "conversation_id": conv,
        "model": "demo-chat",
        "messages": [
            {"id": f"{conv}-u1", "role": "user", "content": "How do I reset my router?"},
            {"id": f"{conv}-a1", "role": "assistant", "content": "Hold the reset button 10 s."},
        ],
        **extra,
    }
    if user is not None:
        event["user_id"] = user
    return event


def thumbs_event(conv: str, value: str = "up") -> dict[str, Any]:
    """The user's thumb on the answer of ``conversation_event(conv)``."""
    return {
        "type": "thumbs",
        "event_id": f"{conv}-t",
        "conversation_id": conv,
        "message_id": f"{conv}-a1",
        "value": value,
    }
