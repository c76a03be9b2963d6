"""The quality rules, applied in the background: every worker sends one
``prefhub.quality.apply_rules`` per active campaign with rules every
``quality_rules_seconds`` (by name, with an expiry, so a backlog never piles up), and the
task applies them in its own transaction. Reading the annotators endpoint applies them too;
this makes them act while nobody looks (an always-"A" clicker stops getting tasks)."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from sqlalchemy import select

from prefhub.campaigns.service import spec_of
from prefhub.kit import periodic
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, CampaignStatus
from prefhub.quality.reliability import reliability_report
from prefhub.quality.rules import apply_rules
from prefhub.settings import get_settings
from prefhub.worker import celery_app

log = logging.getLogger(__name__)
APPLY_RULES = "prefhub.quality.apply_rules"


@celery_app.task(name=APPLY_RULES, acks_late=True)
def apply_rules_task(campaign_id: int) -> int:
    """Apply one campaign's rules; returns how many standings changed."""
    with unit_of_work() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.status != CampaignStatus.active:
            return 0
        # The kept report, refreshed in the background when stale: a pass over a large
        # campaign takes minutes, and a round comes every quality_rules_seconds.
        changes = apply_rules(session, campaign, reliability_report(session, campaign))
    for change in changes:
        log.info(
            "campaign %s: annotator %s is %s by rule", campaign_id, change.user_id, change.standing
        )
    return len(changes)


def ruled_campaigns() -> list[int]:
    """Active campaigns whose spec sets quality rules."""
    with unit_of_work(read_only=True) as session:
        return [
            c.id
            for c in session.scalars(
                select(Campaign).where(Campaign.status == CampaignStatus.active)
            )
            if spec_of(c).quality.rules
        ]


def send_round() -> int:
    """One round: a message per ruled campaign; returns how many were sent."""
    interval = get_settings().quality_rules_seconds
    ids = ruled_campaigns()
    for campaign_id in ids:
        celery_app.send_task(APPLY_RULES, args=[campaign_id], expires=max(interval, 1.0))
    return len(ids)


@worker_ready.connect
def _apply_rules_while_running(**_: object) -> None:
    periodic.every(get_settings().quality_rules_seconds, send_round, name="quality-rules")
