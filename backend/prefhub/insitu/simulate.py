"""A synthetic in-situ stream, for demos, tests and the ingestion benchmark (issue 19, point 6).

Users of a pretend chat product ask questions from a small bank; the assistant answers well or
badly; the users react as people do: a thumb now and then, a rating, regenerating a bad answer
and keeping the better one, editing an answer, copying it, replying "thanks" or "that's wrong",
or leaving. Some of their messages carry personal data (an e-mail, a phone number, a card), so
the redaction has something to remove. The stream is a list of events in the ingestion API's
shape (``insitu/events.py``), the same for the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

# (question, a good answer, a poor answer)
QUESTIONS = [
    ("What is the capital of Australia?", "Canberra.", "Sydney."),
    ("How many bones are in the adult human body?", "206.", "About 300."),
    ("Who wrote 'Pride and Prejudice'?", "Jane Austen, in 1813.", "Charlotte Brontë."),
    ("What is the boiling point of water at sea level in Fahrenheit?", "212 °F.", "100 °F."),
    ("Translate 'good morning' into German.", "Guten Morgen.", "Gute Nacht."),
    (
        "What does HTTP status 404 mean?",
        "Not Found: the server has no such resource.",
        "A server crash.",
    ),
    ("Give me a synonym for 'happy'.", "Joyful.", "Melancholy."),
    (
        "How do I reverse a list in Python?",
        "Use my_list.reverse() or my_list[::-1].",
        "Use my_list.sort().",
    ),
    ("What is 15% of 80?", "12.", "15."),
    ("Which planet is closest to the Sun?", "Mercury.", "Venus."),
]
PERSONAL = [
    "My email is {name}@example.com by the way.",
    "You can text me on +1 (415) 555-{n:04d}.",
    "I paid with 4111 1111 1111 1111 and want to check.",
    "My home server is 192.168.{a}.{b}.",
]
THANKS = ["Thanks!", "Perfect, thank you.", "Great, that works.", "Exactly what I needed."]
COMPLAINTS = ["That's wrong.", "No, that is not correct.", "Try again, that's incorrect."]
MODELS = ["demo-chat-small", "demo-chat-large"]


def stream(
    conversations: int,
    seed: int = 0,
    personal_data_rate: float = 0.2,
    start: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Events for ``conversations`` conversations: each conversation's events in the order the
    product would send them (the conversation after each turn, then the feedback on it)."""
    rng = random.Random(seed)
    clock = start or datetime(2026, 12, 1, tzinfo=UTC)
    for number in range(conversations):
        clock += timedelta(seconds=rng.randint(1, 90))
        yield from _conversation(rng, f"sim-{seed}-{number}", clock, personal_data_rate)


def _conversation(
    rng: random.Random, conversation_id: str, clock: datetime, personal_data_rate: float
) -> Iterator[dict[str, Any]]:
    user_id = f"user-{rng.randint(1, max(2, 1_000))}"
    model = rng.choice(MODELS)
    question, good, poor = rng.choice(QUESTIONS)
    if rng.random() < personal_data_rate:
        personal = rng.choice(PERSONAL).format(
            name=f"user{rng.randint(1, 999)}",
            n=rng.randint(100, 199),
            a=rng.randint(0, 255),
            b=rng.randint(1, 254),
        )
        question = f"{question} {personal}"
    well = rng.random() < 0.6
    messages = [
        {"id": "s", "role": "system", "content": "You are a helpful assistant."},
        {"id": "u1", "role": "user", "content": question, "parent_id": "s"},
        {"id": "a1", "role": "assistant", "content": good if well else poor, "parent_id": "u1"},
    ]
    counter = iter(range(1_000_000))
    common = {"conversation_id": conversation_id, "user_id": user_id}

    def event(type_: str, **fields: Any) -> dict[str, Any]:
        number = next(counter)
        return {
            "event_id": f"{conversation_id}-e{number}",
            "type": type_,
            "occurred_at": (clock + timedelta(seconds=5 * number)).isoformat(),
            **common,
            **fields,
        }

    yield event("conversation", model=model, parameters={"temperature": 0.7}, messages=messages)
    answer = "a1"
    if not well and rng.random() < 0.5:
        # Asked again, shown a better answer, went on with it.
        yield event(
            "regenerate",
            message_id="a1",
            alternatives=[{"id": "a1b", "content": good, "model": model}],
            kept_id="a1b",
        )
        answer, well = "a1b", True
    elif not well and rng.random() < 0.3:
        yield event("edit", message_id="a1", content=good)
    if rng.random() < 0.4:
        yield event("thumbs", message_id=answer, value="up" if well else "down")
    if rng.random() < 0.15:
        yield event("rating", message_id=answer, value=rng.choice([4, 5] if well else [1, 2]))
    if well and rng.random() < 0.15:
        yield event("copy", message_id=answer)
    roll = rng.random()
    if roll < 0.45:
        reply = rng.choice(THANKS if well else COMPLAINTS)
        message = {"id": "u2", "role": "user", "content": reply, "parent_id": answer}
        yield event("follow_up", message=message)
    elif roll < 0.55:
        yield event("abandon", message_id=answer)
