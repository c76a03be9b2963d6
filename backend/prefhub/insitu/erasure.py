"""Data removal: a data subject's request (by the product's user id) and the sources'
retention. Both delete whole conversations; their events and derived rows go with them
(foreign keys ``ON DELETE CASCADE``), and so do the campaign items their derived rows were sent
to for verification, with those items' judgments: nothing of them is left for a later export,
of the source or of the campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from prefhub.insitu.service import pseudonym, pseudonym_key
from prefhub.models import (
    FeedbackSource,
    InsituConversation,
    InsituDerived,
    InsituEvent,
    Item,
)

RETENTION_BATCH = 1000  # conversations per statement: a large expiry goes over several rounds


@dataclass(frozen=True)
class Erased:
    conversations: int
    events: int
    derived: int
    verification_items: int


def erase_user(session: Session, source: FeedbackSource, external_user_id: str) -> Erased:
    """Delete every conversation in which the user took part (any of its events carries their
    pseudonym), with all its events and derived rows."""
    user = pseudonym(pseudonym_key(source.pseudonym_salt), external_user_id)
    conversations = list(
        session.scalars(
            select(InsituEvent.conversation_id)
            .where(InsituEvent.source_id == source.id, InsituEvent.user_pseudonym == user)
            .distinct()
        )
    )
    if not conversations:
        return Erased(0, 0, 0, 0)
    return _delete_conversations(session, conversations)


def _delete_conversations(session: Session, ids: list[int]) -> Erased:
    events = session.scalar(
        select(func.count()).select_from(InsituEvent).where(InsituEvent.conversation_id.in_(ids))
    )
    derived = session.scalar(
        select(func.count())
        .select_from(InsituDerived)
        .where(InsituDerived.conversation_id.in_(ids))
    )
    items = list(
        session.scalars(
            select(InsituDerived.verification_item_id).where(
                InsituDerived.conversation_id.in_(ids),
                InsituDerived.verification_item_id.is_not(None),
            )
        )
    )
    if items:
        session.execute(delete(Item).where(Item.id.in_(items)))
    session.execute(delete(InsituConversation).where(InsituConversation.id.in_(ids)))
    session.flush()
    return Erased(len(ids), events or 0, derived or 0, len(items))


def enforce_retention(session: Session, now: datetime) -> int:
    """Delete the conversations whose last event arrived longer ago than their source keeps
    data; returns how many (at most ``RETENTION_BATCH`` per source per call)."""
    removed = 0
    for source_id, days in session.execute(
        select(FeedbackSource.id, FeedbackSource.retention_days)
    ).tuples():
        expired = list(
            session.scalars(
                select(InsituConversation.id)
                .where(
                    InsituConversation.source_id == source_id,
                    InsituConversation.last_event_at < now - timedelta(days=days),
                )
                .limit(RETENTION_BATCH)
            )
        )
        if expired:
            removed += _delete_conversations(session, expired).conversations
    return removed
