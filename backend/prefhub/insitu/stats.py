"""What a source's page shows: volume over time, events by type, derived rows by signal, and
how far people's verification agrees with each signal."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.schemas import DayVolume, SignalStats, SourceStats
from prefhub.insitu.verification import Agreement, agreement_by_signal
from prefhub.models import FeedbackSource, InsituConversation, InsituDerived, InsituEvent

# Rounds of derivation a page view does before counting (the workers' upkeep does the rest).
DERIVE_ROUNDS = 5


def source_stats(session: Session, source: FeedbackSource, days: int, now: datetime) -> SourceStats:
    derive_pending(session, source.id, rounds=DERIVE_ROUNDS)
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(InsituEvent.received_at)
    volume = [
        DayVolume(day=_as_date(on), events=events, conversations=conversations)
        for on, events, conversations in session.execute(
            select(day, func.count(), func.count(distinct(InsituEvent.conversation_id)))
            .where(InsituEvent.source_id == source.id, InsituEvent.received_at >= since)
            .group_by(day)
            .order_by(day)
        ).tuples()
    ]
    types = dict(
        session.execute(
            select(InsituEvent.type, func.count())
            .where(InsituEvent.source_id == source.id)
            .group_by(InsituEvent.type)
        )
        .tuples()
        .all()
    )
    agreement = agreement_by_signal(session, source.id)
    signals = [
        SignalStats(
            signal=signal,
            kind=kind,
            rows=rows,
            mean_confidence=round(float(confidence), 4),
            verified=(tally := agreement.get(signal, Agreement())).verified,
            confirmed=tally.confirmed,
            overturned=tally.overturned,
            agreement=tally.share,
        )
        for signal, kind, rows, confidence in session.execute(
            select(
                InsituDerived.signal,
                InsituDerived.kind,
                func.count(),
                func.avg(InsituDerived.confidence),
            )
            .where(InsituDerived.source_id == source.id)
            .group_by(InsituDerived.signal, InsituDerived.kind)
            .order_by(InsituDerived.signal, InsituDerived.kind)
        ).tuples()
    ]
    pending = session.scalar(
        select(func.count())
        .select_from(InsituConversation)
        .where(
            InsituConversation.source_id == source.id,
            InsituConversation.needs_derivation.is_(True),
        )
    )
    return SourceStats(
        days=days,
        volume=volume,
        event_types=types,
        signals=signals,
        pending_conversations=pending or 0,
    )


def _as_date(value: date | str) -> date:
    # PostgreSQL's date() gives a date, SQLite's the text YYYY-MM-DD.
    return value if isinstance(value, date) else date.fromisoformat(value)
