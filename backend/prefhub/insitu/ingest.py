"""A batch of a chat product's events, from request body to stored rows (issue 19, points 1-2).

1. ``read_batch``: the body (JSON array or JSONL, gzip allowed, inflated to a bound) into one
   document per event; a line that is not JSON is that event's error, not the batch's.
2. ``parse_event`` (``events.py``) validates each alone.
3. ``store``: each valid event's text is redacted by the source's policy and its ``user_id``
   becomes a keyed pseudonym, before anything is written; then the batch is written in three
   statements whatever its size (the known ids, the conversations, the events), and an event
   id stored before is skipped (``ON CONFLICT DO NOTHING``), so a re-sent batch stores nothing
   twice even when two copies race.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
import orjson
from sqlalchemy import String, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from prefhub.insitu import pii
from prefhub.insitu.events import MAX_EVENTS_PER_BATCH, Event, EventError, parse_event
from prefhub.insitu.exceptions import BatchTooLarge, InvalidBatch, UnsupportedBatchType
from prefhub.insitu.schemas import IngestResult
from prefhub.insitu.service import (
    policy_of,
    pseudonym,
    pseudonym_key,
    source_for_key,
    take_allowance,
)
from prefhub.kit import offload
from prefhub.kit.db import unit_of_work
from prefhub.kit.json_input import JsonRefused, check_value, suspect, too_deep
from prefhub.kit.time import as_utc, utcnow
from prefhub.models import InsituConversation, InsituEvent
from prefhub.settings import get_settings

JSON_TYPES = frozenset({"application/json"})
JSONL_TYPES = frozenset(
    {"application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/ndjson"}
)
# Keys whose string values are the users' and the model's words: redacted. Ids, roles, types
# and model names are the product's own vocabulary and stay as sent.
_TEXT_KEYS = frozenset({"content", "text"})
_FREE_KEYS = frozenset({"parameters"})  # every string inside is redacted


def inflate(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body without its Content-Encoding, at most ``limit`` bytes (a gzip bomb is refused
    once it passes the limit, never inflated whole)."""
    coding = (encoding or "identity").strip().lower()
    if coding == "identity":
        return body
    if coding not in ("gzip", "x-gzip"):
        raise UnsupportedBatchType(f"Content-Encoding {coding!r}: send gzip or nothing")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        plain = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidBatch(f"The body is not valid gzip ({exc})") from None
    if len(plain) > limit or inflater.unconsumed_tail:
        raise BatchTooLarge(
            f"The batch inflates to more than {limit} bytes", details={"limit": limit}
        )
    if not inflater.eof:
        raise InvalidBatch("The gzip stream is cut short")
    return plain


Documents = list[tuple[int, Any | EventError]]


def read_batch(body: bytes, content_type: str | None) -> Documents:
    """Each event's position (an array's index, a JSONL line's 0-based number) and its JSON
    document, or its ``EventError`` when its line cannot be read."""
    kind = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if kind in JSON_TYPES:
        return _json_array(body)
    if kind in JSONL_TYPES:
        return _json_lines(body)
    raise UnsupportedBatchType(
        f"Content-Type {kind!r}: send application/json (an array) or application/x-ndjson"
    )


def _too_many(count: int) -> BatchTooLarge:
    return BatchTooLarge(
        f"A batch holds at most {MAX_EVENTS_PER_BATCH} events, not {count}",
        details={"limit": MAX_EVENTS_PER_BATCH},
    )


def _json_array(body: bytes) -> Documents:
    if too_deep(body):
        raise InvalidBatch("The JSON is nested too deep")
    try:
        documents = json.loads(body, parse_constant=_no_constant)
    except (ValueError, JsonRefused) as exc:
        raise InvalidBatch(f"The body is not valid JSON ({exc})") from None
    if not isinstance(documents, list):
        raise InvalidBatch("The body is a JSON array of events (or JSONL, one per line)")
    if len(documents) > MAX_EVENTS_PER_BATCH:
        raise _too_many(len(documents))
    if not suspect(body):
        return list(enumerate(documents))
    return [(index, _checked(index, document)) for index, document in enumerate(documents)]


def _json_lines(body: bytes) -> Documents:
    lines = body.split(b"\n")
    if len(lines) > MAX_EVENTS_PER_BATCH + 1 and sum(1 for ln in lines if ln.strip()) > (
        MAX_EVENTS_PER_BATCH
    ):
        raise _too_many(sum(1 for ln in lines if ln.strip()))
    documents: Documents = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if too_deep(line):
            documents.append((index, _unreadable(index, "json_too_deep", "nested too deep")))
            continue
        try:
            document = json.loads(line, parse_constant=_no_constant)
        except (ValueError, JsonRefused) as exc:
            documents.append((index, _unreadable(index, "invalid_json", f"not JSON ({exc})")))
            continue
        documents.append((index, _checked(index, document) if suspect(line) else document))
    return documents


def _no_constant(name: str) -> Any:
    raise JsonRefused(400, "invalid_json", f"{name} is not a JSON number")


def _checked(index: int, document: Any) -> Any | EventError:
    try:
        check_value(document, "")
    except JsonRefused as exc:
        return EventError(
            index=index,
            event_id=None,
            code="invalid_text" if exc.code == "invalid_text" else "invalid_event",
            field=(exc.field or "").lstrip(".") or None,
            message=exc.message,
        )
    return document


def _unreadable(index: int, code: str, message: str) -> EventError:
    return EventError(index=index, event_id=None, code=code, field=None, message=message)


def parse_batch(documents: Sequence[tuple[int, Any]]) -> tuple[list[Event], list[EventError]]:
    """The valid events in batch order, and the refused ones' errors."""
    events: list[Event] = []
    errors: list[EventError] = []
    for index, document in documents:
        parsed = document if isinstance(document, EventError) else parse_event(index, document)
        if isinstance(parsed, EventError):
            errors.append(parsed)
        else:
            events.append(parsed)
    return events, errors


@dataclass(frozen=True)
class SourceKey:
    """What ingestion needs of the source its key writes to, read once per batch."""

    id: int
    redaction: dict[str, Any]
    pseudonym_key: bytes  # ``service.pseudonym_key`` of the source's salt


@dataclass(frozen=True)
class PreparedBatch:
    rows: list[dict[str, Any]]  # the first copy of each event id, redacted and pseudonymised
    events: int  # valid events, repeats within the batch included
    errors: list[EventError]


async def ingest_batch(
    presented_key: str,
    slug: str,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
) -> IngestResult:
    """A request's batch, end to end: the key (401/404 before the body is parsed); the body
    parsed, validated and redacted in a worker process (``kit.offload``), outside any
    transaction; then the allowance and the ids stored before (429 before anything is
    written) and the new events, in short transactions."""
    source = await anyio.to_thread.run_sync(_source_key, presented_key, slug)
    received_at = utcnow()
    limit = get_settings().ingest_max_bytes
    prepared = await offload.run(
        prepare_batch, source, body, content_type, content_encoding, limit, received_at
    )
    return await anyio.to_thread.run_sync(
        _store_new, presented_key, source.id, prepared, received_at
    )


def _source_key(presented_key: str, slug: str) -> SourceKey:
    with unit_of_work(read_only=True) as session:
        found = source_for_key(session, presented_key, slug)
        return SourceKey(found.id, found.redaction, pseudonym_key(found.pseudonym_salt))


def prepare_batch(
    source: SourceKey,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    limit: int,
    received_at: datetime,
) -> PreparedBatch:
    """The body as stored rows, and its refused events: CPU only, no database."""
    plain = inflate(body, content_encoding, limit)
    events, errors = parse_batch(read_batch(plain, content_type))
    first: dict[str, Event] = {}
    for event in events:
        first.setdefault(event.event_id, event)  # a repeat within the batch is a duplicate
    rows = prepare(source, list(first.values()), received_at)
    return PreparedBatch(rows, len(events), errors)


def _store_new(
    presented_key: str, source_id: int, prepared: PreparedBatch, received_at: datetime
) -> IngestResult:
    with unit_of_work() as session:
        take_allowance(session, presented_key, prepared.events + len(prepared.errors), received_at)
        known = known_ids(session, source_id, [row["event_id"] for row in prepared.rows])
    fresh = [row for row in prepared.rows if row["event_id"] not in known]
    accepted = 0
    if fresh:
        with unit_of_work() as session:
            accepted = store(session, source_id, fresh, received_at)
    return IngestResult(
        accepted=accepted,
        duplicate=prepared.events - accepted,
        rejected=len(prepared.errors),
        errors=sorted(prepared.errors, key=lambda error: error.index),
    )


# PostgreSQL: the batch's ids as one array joined to the table, so each id is one probe of
# the (source_id, event_id) index. ``event_id IN (1,000 parameters)`` was planned (before the
# table's first ANALYZE, and as the generic plan of the prepared statement) as a scan of every
# event of the source with each row compared against the whole list: 0.7-1 s per batch at
# 40,000 stored events, growing with the table.
_KNOWN_PG = text(
    "SELECT e.event_id FROM unnest(:ids) AS batch(event_id)"
    " JOIN insitu_events e ON e.source_id = :source_id AND e.event_id = batch.event_id"
).bindparams(bindparam("ids", type_=postgresql.ARRAY(String)))


def known_ids(session: Session, source_id: int, event_ids: list[str]) -> set[str]:
    if _dialect(session) is postgresql:
        return set(session.scalars(_KNOWN_PG, {"ids": event_ids, "source_id": source_id}))
    return set(
        session.scalars(
            select(InsituEvent.event_id).where(
                InsituEvent.source_id == source_id, InsituEvent.event_id.in_(event_ids)
            )
        )
    )


def prepare(source: SourceKey, events: list[Event], received_at: datetime) -> list[dict[str, Any]]:
    """Each event as its stored row: text redacted by the source's policy, the user's id as
    its keyed pseudonym (``conversation`` still the product's id)."""
    policy = policy_of(source.redaction)
    key = source.pseudonym_key
    # A batch repeats itself: a product sends the whole conversation again after each turn,
    # every conversation opens with the same system prompt, a user sends many events. Each
    # distinct text is redacted, and each user pseudonymised, once per batch.
    memo: dict[str, pii.Redacted] = {}
    pseudonyms: dict[str, str] = {}
    rows = []
    for event in events:
        payload, redactions = redacted(event, policy, memo)
        occurred = event.occurred_at
        user = event.user_id
        if user and user not in pseudonyms:
            pseudonyms[user] = pseudonym(key, user)
        rows.append(
            {
                "source_id": source.id,
                "conversation": event.conversation_id,
                "event_id": event.event_id,
                "type": event.type,
                "user_pseudonym": pseudonyms[user] if user else None,
                "occurred_at": as_utc(occurred).replace(tzinfo=None) if occurred else received_at,
                "received_at": received_at,
                "payload": payload,
                "redactions": redactions,
            }
        )
    return rows


def store(
    session: Session, source_id: int, rows: list[dict[str, Any]], received_at: datetime
) -> int:
    """Write prepared rows; an event id stored before (or by a concurrent copy of the batch)
    is skipped. Returns how many were stored."""
    conversation_ids = _conversations(
        session, source_id, sorted({row["conversation"] for row in rows}), received_at
    )
    for row in rows:
        row["conversation_id"] = conversation_ids[row.pop("conversation")]
    if _dialect(session) is postgresql:
        return _store_pg(session, source_id, rows, received_at)
    table = InsituEvent.__table__
    statement = (
        _dialect(session)
        .insert(table)
        .on_conflict_do_nothing(index_elements=["source_id", "event_id"])
        .returning(table.c.id)
    )
    return len(session.execute(statement, rows).all())


# PostgreSQL: the rows as one JSON document, so the statement's text and its 3 parameters are
# the same for every batch (prepared once per connection) and the rows cross as one string.
# A multi-row VALUES list held 9 parameters per event and a statement text of its own per
# batch size for psycopg to parse and PostgreSQL to plan; an array per column had psycopg
# escape every quote of every payload in Python.
_INSERT_EVENTS_PG = text(
    "INSERT INTO insitu_events (source_id, conversation_id, event_id, type, user_pseudonym,"
    " occurred_at, received_at, payload, redactions)"
    " SELECT :source_id, b.conversation_id, b.event_id, b.type, b.user_pseudonym,"
    " b.occurred_at, :received_at, b.payload, b.redactions"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS b(conversation_id bigint, event_id text,"
    " type text, user_pseudonym text, occurred_at timestamp, payload jsonb, redactions jsonb)"
    " ON CONFLICT (source_id, event_id) DO NOTHING RETURNING id"
)
_ROW_KEYS = (
    "conversation_id",
    "event_id",
    "type",
    "user_pseudonym",
    "occurred_at",
    "payload",
    "redactions",
)


def _store_pg(
    session: Session, source_id: int, rows: list[dict[str, Any]], received_at: datetime
) -> int:
    document = _json([{key: row[key] for key in _ROW_KEYS} for row in rows])
    parameters = {"source_id": source_id, "received_at": received_at, "rows": document}
    return len(session.execute(_INSERT_EVENTS_PG, parameters).all())


def _json(value: Any) -> str:
    # Counts are keyed by PiiKind (a str subclass), which orjson takes only with this option;
    # datetimes (naive UTC) become ISO text, which jsonb_to_recordset reads as timestamp.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _dialect(session: Session) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


# PostgreSQL: the batch's conversation ids as one array (one prepared statement whatever the
# batch), inserted in the order given.
_CONVERSATIONS_PG = text(
    "INSERT INTO insitu_conversations"
    " (source_id, external_id, first_event_at, last_event_at, needs_derivation)"
    " SELECT :source_id, b.external_id, :at, :at, true"
    " FROM unnest(:ids) WITH ORDINALITY AS b(external_id, position) ORDER BY b.position"
    " ON CONFLICT (source_id, external_id)"
    " DO UPDATE SET last_event_at = excluded.last_event_at, needs_derivation = true"
    " RETURNING external_id, id"
).bindparams(bindparam("ids", type_=postgresql.ARRAY(String)))


def _conversations(
    session: Session, source_id: int, external_ids: list[str], received_at: datetime
) -> dict[str, int]:
    """The id of every conversation the events belong to, made when new; each is marked for
    derivation. In id order, so two batches that touch the same conversations lock them in the
    same order and cannot deadlock."""
    if _dialect(session) is postgresql:
        parameters = {"source_id": source_id, "at": received_at, "ids": external_ids}
        return dict(session.execute(_CONVERSATIONS_PG, parameters).tuples().all())
    table = InsituConversation.__table__
    insert = _dialect(session).insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=["source_id", "external_id"],
        set_={"last_event_at": insert.excluded.last_event_at, "needs_derivation": True},
    ).returning(table.c.id, table.c.external_id)
    rows = [
        {
            "source_id": source_id,
            "external_id": external_id,
            "first_event_at": received_at,
            "last_event_at": received_at,
            "needs_derivation": True,
        }
        for external_id in external_ids
    ]
    return {external_id: id_ for id_, external_id in session.execute(statement, rows).tuples()}


def redacted(
    event: Event, policy: pii.RedactionPolicy, memo: dict[str, pii.Redacted] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """The event as stored: its text redacted, its ``user_id`` left out (the row holds the
    pseudonym), with how many of each kind were removed. ``memo`` keeps each text's redaction
    for the next events redacted by the same policy."""
    document = event.model_dump(mode="json", exclude={"user_id"}, exclude_none=True)
    counts: Counter[str] = Counter()
    redactor = _Redactor(policy, {} if memo is None else memo, counts)
    return redactor.value(document, free=False), dict(counts)


@dataclass
class _Redactor:
    policy: pii.RedactionPolicy
    memo: dict[str, pii.Redacted]
    counts: Counter[str]

    def value(self, value: Any, free: bool) -> Any:
        if isinstance(value, dict):
            return {
                key: (
                    self.text(item)
                    if isinstance(item, str) and (free or key in _TEXT_KEYS)
                    else self.value(item, free or key in _FREE_KEYS)
                )
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self.text(item) if isinstance(item, str) and free else self.value(item, free)
                for item in value
            ]
        return value

    def text(self, text: str) -> str:
        result = self.memo.get(text)
        if result is None:
            result = self.memo[text] = pii.redact(text, self.policy)
        if result.counts:
            self.counts.update(result.counts)
        return result.text
