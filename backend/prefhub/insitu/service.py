"""Feedback sources and their ingestion keys: registration, settings, keys, the rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from prefhub.auth.policies import is_staff
from prefhub.insitu import pii
from prefhub.insitu.exceptions import (
    IngestKeyNotFound,
    IngestRateLimited,
    InvalidIngestKey,
    InvalidRedactionPolicy,
    SourceExists,
    SourceNotFound,
)
from prefhub.insitu.schemas import RedactionPolicyIn, SourceCreate, SourceUpdate
from prefhub.kit.time import utcnow
from prefhub.models import (
    FeedbackSource,
    IngestKey,
    InsituConversation,
    InsituEvent,
    Role,
    User,
)
from prefhub.settings import get_settings

KEY_PREFIX = "phi_"  # tells an ingestion key from a user's API token at a glance
RATE_WINDOW = timedelta(seconds=60)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def can_manage_source(user: User, source: FeedbackSource) -> bool:
    """Its owner and admins; another researcher's source does not exist for them."""
    return user.role == Role.admin or (is_staff(user) and source.owner_id == user.id)


def policy_of(redaction: dict[str, Any] | RedactionPolicyIn) -> pii.RedactionPolicy:
    """A stored or requested policy as the redactor's; ``InvalidRedactionPolicy`` says why not."""
    document = (
        redaction if isinstance(redaction, RedactionPolicyIn) else RedactionPolicyIn(**redaction)
    )
    try:
        return pii.RedactionPolicy(
            kinds=frozenset(document.kinds),
            phone_regions=tuple(document.phone_regions),
            custom=tuple(pii.CustomPattern(p.label, p.pattern) for p in document.custom_patterns),
        )
    except pii.PolicyError as exc:
        raise InvalidRedactionPolicy(str(exc)) from None


def create_source(session: Session, owner: User, request: SourceCreate) -> FeedbackSource:
    policy_of(request.redaction)
    if session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == request.slug)):
        raise SourceExists(f"A feedback source with slug '{request.slug}' already exists")
    source = FeedbackSource(
        slug=request.slug,
        name=request.name,
        owner_id=owner.id,
        retention_days=request.retention_days,
        redaction=request.redaction.model_dump(mode="json"),
        consent_basis=request.consent_basis,
        pseudonym_salt=secrets.token_hex(16),
    )
    session.add(source)
    session.flush()
    return source


def update_source(session: Session, source: FeedbackSource, request: SourceUpdate) -> None:
    """Changes apply to what arrives from now on; stored text was redacted by the policy of
    its day (a stricter policy does not reach back)."""
    if request.redaction is not None:
        policy_of(request.redaction)
        source.redaction = request.redaction.model_dump(mode="json")
    if request.name is not None:
        source.name = request.name
    if request.retention_days is not None:
        source.retention_days = request.retention_days
    if request.consent_basis is not None:
        source.consent_basis = request.consent_basis
    session.flush()


def managed_source(session: Session, user: User, slug: str) -> FeedbackSource:
    source = session.scalar(select(FeedbackSource).where(FeedbackSource.slug == slug))
    if source is None or not can_manage_source(user, source):
        raise SourceNotFound(f"No feedback source with slug '{slug}'")
    return source


def list_sources(session: Session, user: User) -> list[FeedbackSource]:
    query = select(FeedbackSource).order_by(FeedbackSource.created_at, FeedbackSource.id)
    if user.role != Role.admin:
        query = query.where(FeedbackSource.owner_id == user.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Volume:
    conversations: int
    events: int


def volumes(session: Session, source_ids: list[int]) -> dict[int, Volume]:
    conversations = dict(
        session.execute(
            select(InsituConversation.source_id, func.count())
            .where(InsituConversation.source_id.in_(source_ids))
            .group_by(InsituConversation.source_id)
        )
        .tuples()
        .all()
    )
    events = dict(
        session.execute(
            select(InsituEvent.source_id, func.count())
            .where(InsituEvent.source_id.in_(source_ids))
            .group_by(InsituEvent.source_id)
        )
        .tuples()
        .all()
    )
    return {i: Volume(conversations.get(i, 0), events.get(i, 0)) for i in source_ids}


def create_key(session: Session, source: FeedbackSource, name: str) -> tuple[IngestKey, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = IngestKey(source_id=source.id, name=name, token_hash=_hash(key), token_prefix=key[:12])
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session, source: FeedbackSource) -> list[IngestKey]:
    return list(
        session.scalars(
            select(IngestKey).where(IngestKey.source_id == source.id).order_by(IngestKey.id)
        )
    )


def revoke_key(session: Session, source: FeedbackSource, key_id: int) -> IngestKey:
    key = session.scalar(
        select(IngestKey).where(IngestKey.id == key_id, IngestKey.source_id == source.id)
    )
    if key is None:
        raise IngestKeyNotFound(f"No ingestion key {key_id} on this source")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def source_for_key(session: Session, presented: str, slug: str) -> FeedbackSource:
    """The source a live key writes to. 401 for a missing, unknown or revoked key (a user's
    API token included: it is not an ingestion key); 404 ``source_not_found`` when the key is
    another source's, as for a slug that exists nowhere."""
    if not presented.startswith(KEY_PREFIX):
        raise InvalidIngestKey("An ingestion key (phi_...) is required")
    found = session.execute(
        select(IngestKey.id, FeedbackSource)
        .join(FeedbackSource, FeedbackSource.id == IngestKey.source_id)
        .where(IngestKey.token_hash == _hash(presented), IngestKey.revoked_at.is_(None))
    ).first()
    if found is None:
        raise InvalidIngestKey("Invalid or revoked ingestion key")
    source: FeedbackSource = found[1]
    if source.slug != slug:
        raise SourceNotFound(f"No feedback source with slug '{slug}'")
    return source


def take_allowance(session: Session, presented: str, events: int, now: datetime) -> None:
    """Count ``events`` against the key's window; ``IngestRateLimited`` (429, Retry-After) when
    the window's allowance would be passed. One statement, so every API process shares it."""
    limit = get_settings().ingest_events_per_minute
    if events > limit:
        raise IngestRateLimited(
            f"A batch may hold at most {limit} events (the key's allowance per minute)",
            headers={"Retry-After": "60"},
        )
    fresh = (IngestKey.window_started_at.is_(None)) | (
        IngestKey.window_started_at <= now - RATE_WINDOW
    )
    taken = session.execute(
        update(IngestKey)
        .where(
            IngestKey.token_hash == _hash(presented),
            fresh | (IngestKey.window_events + events <= limit),
        )
        .values(
            last_used_at=now,
            window_started_at=case((fresh, now), else_=IngestKey.window_started_at),
            window_events=case((fresh, events), else_=IngestKey.window_events + events),
        )
        .returning(IngestKey.id)
    ).first()
    if taken is None:
        started = session.scalar(
            select(IngestKey.window_started_at).where(IngestKey.token_hash == _hash(presented))
        )
        wait = RATE_WINDOW - (now - started) if started is not None else RATE_WINDOW
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise IngestRateLimited(
            f"This key may send {limit} events a minute; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def pseudonym_key(pseudonym_salt: str) -> bytes:
    """The HMAC key of a source's pseudonyms: the server's secret and the source's salt."""
    return hashlib.sha256(f"{get_settings().secret_key}:insitu:{pseudonym_salt}".encode()).digest()


def pseudonym(key: bytes, external_user_id: str) -> str:
    """The keyed pseudonym of a product's user: the same within a source, unrelated across
    sources, irreversible without the server's secret."""
    return "usr-" + hmac.new(key, external_user_id.encode(), hashlib.sha256).hexdigest()[:24]
