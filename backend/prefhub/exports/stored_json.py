"""The export JSON stored with items (``prompt_json``) and candidates (``text_json``).

Both are made on insert, by a column default (``kit.json_pieces``: models cannot import a
domain), so that the fast dpo export copies them instead of encoding every prompt and reply
again. Rows written before those columns existed hold null; the export then encodes them itself,
to the same bytes (``dpo_encoding``), only slower. ``backfill`` fills them in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from prefhub.kit.json_pieces import prompt_json, text_json
from prefhub.models import Candidate, Item


@dataclass(frozen=True)
class Backfilled:
    items: int
    candidates: int


def backfill(session: Session, limit: int) -> Backfilled:
    """Fill the export JSON of up to ``limit`` items and ``limit`` candidates that lack it
    (lowest ids first); flushes, the caller commits. Zero of both: nothing is left."""
    items = _fill(session, Item.prompt_json, Item.context, lambda c: prompt_json(c).decode(), limit)
    candidates = _fill(session, Candidate.text_json, Candidate.content, text_json, limit)
    session.flush()
    return Backfilled(items=items, candidates=candidates)


def _fill(
    session: Session,
    stored: InstrumentedAttribute[str | None],
    source: InstrumentedAttribute[Any],
    encode: Callable[[Any], str],
    limit: int,
) -> int:
    """Set ``stored`` from ``source`` on up to ``limit`` rows where it is null; how many."""
    model = stored.class_
    rows = session.execute(
        select(model.id, source).where(stored.is_(None)).order_by(model.id).limit(limit)
    ).all()
    if rows:
        session.execute(update(model), [{"id": i, stored.key: encode(value)} for i, value in rows])
    return len(rows)
