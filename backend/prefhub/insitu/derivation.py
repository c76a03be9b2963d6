"""Stored events → derived rows, per conversation (the rules are ``signals.py``).

Ingestion marks each conversation it adds to (``needs_derivation``); ``derive_pending`` reads
a bounded set of marked conversations with their events, runs the rules and writes the
difference: rows the rules no longer derive go, new ones come, and a row derived again keeps
its identity (``key``), so what people said about it stays attached. Exports and the source's
page call it first; the workers' upkeep round keeps it current between them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from prefhub.insitu import signals
from prefhub.insitu.events import Event, EventError, parse_event
from prefhub.models import InsituConversation, InsituDerived, InsituEvent, InsituJudgeVerdict

BATCH = 200  # conversations per round: one transaction stays short whatever the backlog
# A judge model's verdict, read from the user's next turn: the rule's prior, as for the others
# (``signals.py``); the verification campaigns measure it.
JUDGE_CONFIDENCE = 0.75


def derive_pending(session: Session, source_id: int, *, rounds: int | None = None) -> int:
    """Derive every marked conversation of the source (at most ``rounds`` batches); returns
    how many conversations were derived."""
    done = 0
    while rounds is None or rounds > 0:
        count = derive_batch(session, source_id)
        done += count
        if count < BATCH:
            break
        if rounds is not None:
            rounds -= 1
    return done


def derive_batch(session: Session, source_id: int) -> int:
    marked = select(InsituConversation.id).where(
        InsituConversation.source_id == source_id, InsituConversation.needs_derivation.is_(True)
    )
    if session.get_bind().dialect.name == "postgresql":
        # A batch being ingested holds its conversations' rows: skip them, their ingest marks
        # them again when it commits, so nothing is derived from half a batch.
        marked = marked.with_for_update(skip_locked=True)
    ids = list(session.scalars(marked.order_by(InsituConversation.id).limit(BATCH)))
    if not ids:
        return 0
    wanted = _derive(session, ids)
    existing = set(
        session.execute(
            select(InsituDerived.conversation_id, InsituDerived.key).where(
                InsituDerived.conversation_id.in_(ids)
            )
        ).tuples()
    )
    stale = existing - set(wanted)
    if stale:
        session.execute(
            delete(InsituDerived).where(
                tuple_(InsituDerived.conversation_id, InsituDerived.key).in_(list(stale))
            )
        )
    new_rows = [row for identity, row in wanted.items() if identity not in existing]
    if new_rows:
        session.execute(insert(InsituDerived), new_rows)
    session.execute(
        update(InsituConversation)
        .where(InsituConversation.id.in_(ids))
        .values(needs_derivation=False)
    )
    session.flush()
    return len(ids)


@dataclass(frozen=True)
class Loaded:
    """A stored conversation as the rules read it."""

    source_id: int
    user: str | None  # the first pseudonym its events carry
    conversation: signals.Conversation
    feedback: list[signals.Feedback]


def load(session: Session, conversation_ids: Sequence[int]) -> dict[int, Loaded]:
    """The conversations' turns and feedback, rebuilt from their events in the order the
    product saw them."""
    events: dict[int, list[Event]] = defaultdict(list)
    users: dict[int, str] = {}
    source_of: dict[int, int] = {}
    rows = session.execute(
        select(
            InsituEvent.conversation_id,
            InsituEvent.source_id,
            InsituEvent.user_pseudonym,
            InsituEvent.payload,
        )
        .where(InsituEvent.conversation_id.in_(conversation_ids))
        .order_by(InsituEvent.conversation_id, InsituEvent.occurred_at, InsituEvent.id)
    ).tuples()
    for conversation_id, source_id, user, payload in rows:
        source_of[conversation_id] = source_id
        if user is not None:
            users.setdefault(conversation_id, user)
        event = parse_event(0, payload)
        if not isinstance(event, EventError):  # stored events were valid; a rule change may not
            events[conversation_id].append(event)
    loaded: dict[int, Loaded] = {}
    for conversation_id, conversation_events in events.items():
        for conversation, feedback in signals.assemble(conversation_events).values():
            loaded[conversation_id] = Loaded(
                source_of[conversation_id], users.get(conversation_id), conversation, feedback
            )
    return loaded


def _derive(
    session: Session, conversation_ids: Sequence[int]
) -> dict[tuple[int, str], dict[str, Any]]:
    loaded = load(session, conversation_ids)
    verdicts = _judge_rows(session, conversation_ids, loaded)
    wanted: dict[tuple[int, str], dict[str, Any]] = {}
    for conversation_id, found in loaded.items():
        derived_rows = signals.derive(found.conversation, found.feedback)
        judged = verdicts.get(conversation_id, [])
        for derived, extra in [*((row, {}) for row in derived_rows), *judged]:
            key = derived_key(derived)
            wanted.setdefault(
                (conversation_id, key),
                {
                    "source_id": found.source_id,
                    "conversation_id": conversation_id,
                    "key": key,
                    "kind": derived.kind,
                    "signal": derived.signal,
                    "confidence": derived.confidence,
                    "message_id": derived.message_id,
                    "user_pseudonym": found.user,
                    "row": row_of(derived) | extra,
                    "event_ids": list(derived.event_ids),
                },
            )
    return wanted


def _judge_rows(
    session: Session, conversation_ids: Sequence[int], loaded: dict[int, Loaded]
) -> dict[int, list[tuple[signals.Derived, dict[str, Any]]]]:
    """The judge models' SAT/DSAT verdicts as KTO rows of the ``judge`` signal, each naming
    the model and rubric that made it."""
    rows: dict[int, list[tuple[signals.Derived, dict[str, Any]]]] = defaultdict(list)
    for conversation_id, message_id, verdict, model, provenance in session.execute(
        select(
            InsituJudgeVerdict.conversation_id,
            InsituJudgeVerdict.message_id,
            InsituJudgeVerdict.verdict,
            InsituJudgeVerdict.model,
            InsituJudgeVerdict.provenance,
        )
        .where(
            InsituJudgeVerdict.conversation_id.in_(conversation_ids),
            InsituJudgeVerdict.verdict.in_(["sat", "dsat"]),
        )
        .order_by(InsituJudgeVerdict.id)
    ).tuples():
        found = loaded.get(conversation_id)
        turn = found.conversation.turns.get(message_id) if found else None
        if found is None or turn is None:
            continue
        derived = signals.Derived(
            kind="kto",
            signal="judge",
            confidence=JUDGE_CONFIDENCE,
            message_id=message_id,
            prompt=found.conversation.prompt_of(message_id),
            completion=turn.text,
            label=verdict == "sat",
        )
        judge = {"model": model, "rubric": provenance.get("rubric")}
        rows[conversation_id].append((derived, {"judge": judge}))
    return rows


def row_of(derived: signals.Derived) -> dict[str, Any]:
    prompt = [list(turn) for turn in derived.prompt]
    if derived.kind == "pair":
        return {"prompt": prompt, "chosen": derived.chosen, "rejected": derived.rejected}
    return {"prompt": prompt, "completion": derived.completion, "label": derived.label}


def derived_key(derived: signals.Derived) -> str:
    """The same row derived again has the same key: its signal, turn and texts."""
    identity = [
        derived.kind,
        derived.signal,
        derived.message_id,
        derived.completion,
        derived.label,
        derived.chosen,
        derived.rejected,
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()
