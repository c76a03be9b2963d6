"""The demo: two accounts and a few campaigns, created only by ``prefhub seed-demo``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefhub.auth.service import create_user
from prefhub.campaigns.service import create_campaign
from prefhub.campaigns.spec import CampaignSpec
from prefhub.demo.multimodal import import_demo_media
from prefhub.insitu.derivation import derive_pending
from prefhub.insitu.ingest import SourceKey, parse_batch, prepare, store
from prefhub.insitu.schemas import SourceCreate
from prefhub.insitu.service import create_source, pseudonym_key
from prefhub.insitu.simulate import stream
from prefhub.items.service import import_items
from prefhub.kit.time import utcnow
from prefhub.models import Campaign, FeedbackSource, Role, User

DEMO_DIR = Path(__file__).parent
DEMO_PASSWORD = "demo"
DEMO_USERS = (("admin@demo.local", Role.admin), ("annotator@demo.local", Role.annotator))
# The multimodal demo's items are drawn and synthesised at seed time (demo/multimodal.py).
MEDIA = "media"
# Each demo campaign: its spec and the items it starts with (a tree campaign starts empty).
DEMO_CAMPAIGNS = (
    ("demo_campaign.yaml", "demo_items.jsonl"),
    ("demo_all_kinds.yaml", "demo_items.jsonl"),
    ("demo_trees.yaml", None),
    ("demo_multimodal.yaml", MEDIA),
)


DEMO_SOURCE = "demo-chat"
DEMO_CONVERSATIONS = 60


@dataclass
class SeedResult:
    users_created: list[str]
    campaigns_created: list[str]
    items_imported: int
    # The in-situ demo: a feedback source and a synthetic stream's events (0: there already).
    feedback_events: int = 0


def _ensure_user(session: Session, email: str, role: Role, created: list[str]) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(session, email=email, password=DEMO_PASSWORD, role=role)
        created.append(email)
    return user


def seed_demo(session: Session) -> SeedResult:
    """Idempotent: running it again adds nothing that exists already."""
    users: list[str] = []
    admin = _ensure_user(session, *DEMO_USERS[0], users)
    _ensure_user(session, *DEMO_USERS[1], users)

    campaigns: list[str] = []
    imported = 0
    for spec_file, items_file in DEMO_CAMPAIGNS:
        spec = CampaignSpec.model_validate(
            yaml.safe_load((DEMO_DIR / spec_file).read_text("utf-8"))
        )
        if session.scalar(select(Campaign.id).where(Campaign.slug == spec.slug)) is not None:
            continue
        campaign = create_campaign(session, spec, admin)
        if items_file == MEDIA:
            imported += len(import_demo_media(session, campaign))
        elif items_file is not None:
            with (DEMO_DIR / items_file).open("rb") as lines:
                imported += len(import_items(session, campaign, lines))
        campaigns.append(spec.slug)
    return SeedResult(users, campaigns, imported, _seed_feedback_source(session, admin))


def _seed_feedback_source(session: Session, owner: User) -> int:
    """A feedback source holding a synthetic chat product's stream, redacted and derived like
    any ingested batch, so the source's page has something to show."""
    if session.scalar(select(FeedbackSource.id).where(FeedbackSource.slug == DEMO_SOURCE)):
        return 0
    request = SourceCreate(
        slug=DEMO_SOURCE,
        name="Demo chat product",
        retention_days=365,
        consent_basis="Synthetic conversations made by `prefhub simulate-in-situ`: no real users.",
    )
    source = create_source(session, owner, request)
    documents = list(enumerate(stream(DEMO_CONVERSATIONS, seed=19)))
    events, _ = parse_batch(documents)
    now = utcnow()
    key = SourceKey(source.id, source.redaction, pseudonym_key(source.pseudonym_salt))
    stored = store(session, source.id, prepare(key, events, now), now)
    derive_pending(session, source.id)
    return stored
