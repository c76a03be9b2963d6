"""Send a chat product's conversations and its users' feedback to prefhub's ingestion API.

A self-contained example for the engineers of a chat product: it needs only ``httpx``
(``pip install httpx``), so it can be copied into your own code base. It makes up realistic
conversations (what your product would log), turns them into ingestion events and sends them
the way a production client should:

- every event has an ``event_id`` of your own that never changes: sending an event again (after
  a timeout, a crash, a retry) stores it once, so a batch whose answer you did not get can
  simply be sent again;
- events go in batches of JSONL (one event per line), gzip-compressed;
- ``429 Too Many Requests`` is retried after the ``Retry-After`` the server names, a ``5xx`` or a
  network error after an exponential back-off; a ``4xx`` is a bug on your side and stops;
- each answer says how many events were ``accepted`` (new), ``duplicate`` (stored before) and
  ``rejected`` (invalid, with the reason per event in ``errors``; the others are kept).

Usage (the key comes from ``POST /api/feedback-sources/{slug}/keys``; see the README's
"In-situ feedback")::

    export PREFHUB_INGEST_KEY=phi_...
    python examples/insitu_chat_client.py --base-url http://127.0.0.1:8000 --source my-chat

Running it twice with the same ``--seed`` sends the same events: the second run reports them
all as duplicates and stores nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

# ---------------------------------------------------------------- the product's conversations

# (question, a good answer, a poor answer): what users ask and what the model says.
QUESTIONS = [
    ("What is the capital of Australia?", "Canberra.", "Sydney."),
    ("How do I reverse a list in Python?", "Use my_list.reverse() or my_list[::-1].", "Sort it."),
    ("Translate 'good morning' into German.", "Guten Morgen.", "Gute Nacht."),
    ("What does HTTP status 404 mean?", "Not Found: no such resource.", "The server crashed."),
    ("What is 15% of 80?", "12.", "15."),
    ("Which planet is closest to the Sun?", "Mercury.", "Venus."),
    ("Who wrote 'Pride and Prejudice'?", "Jane Austen, in 1813.", "Charlotte Brontë."),
    ("How many bones are in the adult human body?", "206.", "About 300."),
]
MODEL = "acme-chat-2"
PARAMETERS = {"temperature": 0.7, "top_p": 0.95}


def conversation_events(rng: random.Random, number: int, seed: int) -> Iterator[dict[str, Any]]:
    """One conversation as the events a product sends while it happens: the conversation after
    each turn, then whatever the user did with the answer."""
    conversation_id = f"chat-{seed}-{number}"  # your own, stable ids
    user_id = f"customer-{rng.randint(1, 500)}"  # stored only as a keyed pseudonym
    started = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=7 * number)
    question, good, poor = rng.choice(QUESTIONS)
    if rng.random() < 0.2:  # people paste personal data; the server redacts it before storage
        question += f" You can reach me at user{number}@example.com."
    is_good = rng.random() < 0.6
    sequence = 0

    def event(kind: str, **fields: Any) -> dict[str, Any]:
        nonlocal sequence
        sequence += 1
        return {
            "event_id": f"{conversation_id}-{sequence}",
            "type": kind,
            "conversation_id": conversation_id,
            "user_id": user_id,
            "occurred_at": (started + timedelta(seconds=10 * sequence)).isoformat(),
            **fields,
        }

    messages = [
        {
            "id": f"{conversation_id}-sys",
            "role": "system",
            "content": "You are a helpful assistant.",
        },
        {
            "id": f"{conversation_id}-u1",
            "role": "user",
            "content": question,
            "parent_id": f"{conversation_id}-sys",
        },
        {
            "id": f"{conversation_id}-a1",
            "role": "assistant",
            "content": good if is_good else poor,
            "parent_id": f"{conversation_id}-u1",
        },
    ]
    yield event("conversation", model=MODEL, parameters=PARAMETERS, messages=messages)
    answer = f"{conversation_id}-a1"

    if not is_good and rng.random() < 0.5:
        # The user pressed "regenerate", saw a second answer and went on with it.
        alternative = f"{conversation_id}-a1b"
        yield event(
            "regenerate",
            message_id=answer,
            alternatives=[{"id": alternative, "content": good, "model": MODEL}],
            kept_id=alternative,
        )
        answer, is_good = alternative, True
    elif not is_good and rng.random() < 0.4:
        # The user corrected the answer in place.
        yield event("edit", message_id=answer, content=good)

    if rng.random() < 0.5:
        yield event("thumbs", message_id=answer, value="up" if is_good else "down")
    if rng.random() < 0.2:
        yield event("rating", message_id=answer, value=rng.choice([4, 5] if is_good else [1, 2]))
    if rng.random() < 0.1:
        text = "Short and correct." if is_good else "This is not right."
        yield event("comment", message_id=answer, text=text)
    if is_good and rng.random() < 0.2:
        yield event("copy", message_id=answer)

    roll = rng.random()
    if roll < 0.5:
        reply = "Thanks, that's it!" if is_good else "No, that's wrong."
        follow_up = {
            "id": f"{conversation_id}-u2",
            "role": "user",
            "content": reply,
            "parent_id": answer,
        }
        yield event("follow_up", message=follow_up)
    elif roll < 0.6:
        yield event("abandon", message_id=answer)


def all_events(conversations: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [e for n in range(conversations) for e in conversation_events(rng, n, seed)]


# ---------------------------------------------------------------- sending


class SendFailed(Exception):
    """A batch the server refused as a whole (a 4xx other than 429), or retries ran out."""


def encode(events: list[dict[str, Any]], use_gzip: bool) -> tuple[bytes, dict[str, str]]:
    body = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events).encode()
    headers = {"Content-Type": "application/x-ndjson"}
    if use_gzip:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return body, headers


def send_batch(
    client: httpx.Client,
    source: str,
    events: list[dict[str, Any]],
    use_gzip: bool = True,
    max_attempts: int = 8,
) -> dict[str, Any]:
    """Post one batch until the server has answered it; returns the answer. Safe to repeat:
    the server stores each ``event_id`` once."""
    body, headers = encode(events, use_gzip)
    delay = 0.5
    for attempt in range(1, max_attempts + 1):
        try:
            response = client.post(f"/api/ingest/{source}/events", content=body, headers=headers)
        except httpx.TransportError as exc:  # connection refused or reset, timeout
            reason, wait = f"network error ({exc.__class__.__name__})", delay
        else:
            if response.status_code == 200:
                answer: dict[str, Any] = response.json()
                return answer
            if response.status_code == 429:
                reason = "rate limited"
                wait = float(response.headers.get("Retry-After", delay))
            elif response.status_code >= 500:
                reason, wait = f"server error {response.status_code}", delay
            else:
                raise SendFailed(f"{response.status_code}: {response.text[:500]}")
        if attempt == max_attempts:
            raise SendFailed(f"{reason}; gave up after {attempt} attempts")
        wait = min(wait, 120.0) + random.uniform(0, 0.25)  # jitter: clients do not retry in step
        print(f"  {reason}, retrying in {wait:.1f} s", file=sys.stderr)
        time.sleep(wait)
        delay = min(delay * 2, 30.0)
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--source", required=True, help="the feedback source's slug")
    parser.add_argument(
        "--key",
        default=os.environ.get("PREFHUB_INGEST_KEY"),
        help="the source's ingestion key (phi_...); default: $PREFHUB_INGEST_KEY",
    )
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=500, help="events per batch (≤ 5,000)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed sends the same events")
    parser.add_argument("--no-gzip", action="store_true", help="send the batches uncompressed")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("give --key or set PREFHUB_INGEST_KEY")

    events = all_events(args.conversations, args.seed)
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    headers = {"Authorization": f"Bearer {args.key}"}
    with httpx.Client(base_url=args.base_url, headers=headers, timeout=60) as client:
        for start in range(0, len(events), args.batch_size):
            batch = events[start : start + args.batch_size]
            try:
                answer = send_batch(client, args.source, batch, use_gzip=not args.no_gzip)
            except SendFailed as exc:
                print(f"batch at event {start} failed: {exc}", file=sys.stderr)
                return 1
            for name in totals:
                totals[name] += answer[name]
            print(
                f"batch of {len(batch)}: accepted {answer['accepted']}, "
                f"duplicate {answer['duplicate']}, rejected {answer['rejected']}"
            )
            for error in answer["errors"]:
                print(
                    f"  rejected #{error['index']} {error['event_id']}: {error['code']} "
                    f"{error['field'] or ''} {error['message']}"
                )
    print(
        f"sent {len(events)} events of {args.conversations} conversations: "
        f"accepted {totals['accepted']}, duplicate {totals['duplicate']}, "
        f"rejected {totals['rejected']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
