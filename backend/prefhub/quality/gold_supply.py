"""Enough gold for a qualification phase: checked before a campaign opens to annotators.

Kept apart from ``quality.qualification`` (which serves and decides the phase) because the
campaign lifecycle calls it, and must not import the services that import the lifecycle.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from prefhub.assignments.seen import unseen_by
from prefhub.campaigns.exceptions import NotEnoughGold
from prefhub.campaigns.spec import CampaignSpec
from prefhub.models import Campaign, Candidate, Item, ItemStatus, User


def scorable_gold_count(session: Session, campaign: Campaign) -> int:
    """Gold items with expected answers: the only ones a qualification task can be scored on."""
    count = session.scalar(
        select(func.count()).where(
            Item.campaign_id == campaign.id,
            Item.is_gold.is_(True),
            Item.gold_expected.is_not(None),
            Item.status.in_([ItemStatus.ready, ItemStatus.complete]),
        )
    )
    return int(count or 0)


def unseen_gold(campaign: Campaign, annotator: User, spec: CampaignSpec) -> Select[tuple[int]]:
    """Gold items (in the spec's rounds) the annotator has neither seen nor written for."""
    authored = exists().where(Candidate.item_id == Item.id, Candidate.author_id == annotator.id)
    query = select(Item.id).where(
        Item.campaign_id == campaign.id,
        Item.is_gold.is_(True),
        Item.status.in_([ItemStatus.ready, ItemStatus.complete]),
        unseen_by(campaign.id, annotator.id),
        ~authored,
    )
    if spec.rounds is not None:
        query = query.where(Item.round.in_(spec.rounds))
    return query


def gold_shortfall(session: Session, campaign: Campaign, spec: CampaignSpec) -> str | None:
    """Why ``spec``'s qualification phase cannot run on the campaign's items; None when it can."""
    rules = spec.quality.qualification
    if rules is None:
        return None
    available = scorable_gold_count(session, campaign)
    if available >= rules.tasks:
        return None
    return (
        f"The qualification phase needs {rules.tasks} gold items with expected answers and the "
        f"campaign has {available}: import more gold items (or ask for fewer qualification "
        "tasks) before annotators may start"
    )


def require_enough_gold(session: Session, campaign: Campaign, spec: CampaignSpec) -> None:
    """Refuse to open (or keep open) a campaign whose qualification phase would run dry."""
    shortfall = gold_shortfall(session, campaign, spec)
    if shortfall is not None:
        rules = spec.quality.qualification
        assert rules is not None  # a shortfall needs a qualification phase
        raise NotEnoughGold(
            shortfall,
            details={"needed": rules.tasks, "available": scorable_gold_count(session, campaign)},
        )
