"""Who may take a campaign's tasks, and per-item group quotas for balanced annotator pools.

``require_reachable`` is how every annotate route checks its campaign, and ``may_annotate``
how lists (campaigns, media) pick theirs: both rest on ``sees_campaign``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from prefhub.assignments.adaptive import wanted_of
from prefhub.campaigns.exceptions import CampaignNotFound
from prefhub.campaigns.lifecycle import REACHABLE_BY_ANNOTATORS, SHOWN_TO_ANNOTATORS
from prefhub.campaigns.service import spec_of
from prefhub.campaigns.spec import CampaignSpec
from prefhub.models import Assignment, AssignmentStatus, Campaign, CampaignStatus, Item, User
from prefhub.people.service import cached_group_names


class Annotator(Protocol):
    """What eligibility reads of an account: the ORM ``User`` or the task loop's columns
    (``auth.service.Account``)."""

    @property
    def id(self) -> int: ...
    @property
    def crowd_campaign_id(self) -> int | None: ...
    @property
    def languages(self) -> list[Any]: ...
    @property
    def profile(self) -> dict[str, Any]: ...


class NamedCampaign(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def status(self) -> CampaignStatus: ...


_Campaign = TypeVar("_Campaign", bound=NamedCampaign)


def sees_campaign(annotator: Annotator, campaign_id: int) -> bool:
    """Whether the campaign exists for this account at all. An account a crowd link created
    lives in that link's campaign: every other one answers as if it did not exist."""
    return annotator.crowd_campaign_id is None or annotator.crowd_campaign_id == campaign_id


def require_reachable(campaign: _Campaign, annotator: Annotator) -> _Campaign:
    """The campaign an annotate route names, if it exists for this annotator; else 404 as for
    a slug that exists nowhere."""
    if campaign.status not in REACHABLE_BY_ANNOTATORS or not sees_campaign(annotator, campaign.id):
        raise CampaignNotFound(f"No campaign with slug '{campaign.slug}'")
    return campaign


def may_annotate(campaign: Campaign, annotator: User) -> bool:
    """The campaign is open to this annotator: it exists for them, is active or paused (a
    paused one gives no new task, but the leases held keep their media and may be submitted),
    and its eligibility rules admit them."""
    return (
        sees_campaign(annotator, campaign.id)
        and campaign.status in SHOWN_TO_ANNOTATORS
        and ineligibility_reason(spec_of(campaign), annotator) is None
    )


def ineligibility_reason(spec: CampaignSpec, annotator: Annotator) -> str | None:
    """Why this annotator may not annotate the campaign, or None when they may (group rules
    ask the database, through an ORM ``User``'s session)."""
    rules = spec.eligibility
    if rules.languages and not set(rules.languages) & set(annotator.languages or []):
        return f"this campaign needs one of the languages {', '.join(rules.languages)}"
    for field, allowed in rules.profile.items():
        value = (annotator.profile or {}).get(field)
        values = value if isinstance(value, list) else [value]
        if not {str(v) for v in values if v is not None} & set(allowed):
            return f"this campaign is for annotators whose {field} is one of {', '.join(allowed)}"
    if rules.groups and not set(rules.groups) & _groups_of(annotator):
        return f"this campaign is for the groups {', '.join(rules.groups)}"
    return None


def _groups_of(annotator: Annotator) -> frozenset[str]:
    # Asked of the annotator's own session, which loads their group names once for all the
    # campaigns a request checks (a campaign list asks for each).
    if not isinstance(annotator, User):
        raise TypeError("group rules are checked on an ORM User (the general path)")
    session = object_session(annotator)
    return cached_group_names(session, annotator.id) if session is not None else frozenset()


def group_value(annotator: User, field: str) -> str | None:
    value = (annotator.profile or {}).get(field)
    return None if value is None else str(value)


def quota_allows(session: Session, spec: CampaignSpec, item_id: int, annotator: User) -> bool:
    """At most ``max_share`` of the item's slots (K, or its adaptive number) go to annotators
    of one group per field.

    Callers hold the item's row lock (or SQLite's write lock), so the count cannot go stale.
    """
    if not spec.quotas:
        return True
    holders = session.scalars(
        select(User)
        .join(Assignment, Assignment.annotator_id == User.id)
        .where(
            Assignment.item_id == item_id,
            Assignment.status.in_([AssignmentStatus.leased, AssignmentStatus.submitted]),
        )
    ).all()
    # The item's own number under adaptive redundancy: an item in disagreement goes to more
    # annotators, and each group keeps its share of them.
    wanted = wanted_of(
        spec, session.scalar(select(Item.judgments_wanted).where(Item.id == item_id))
    )
    for quota in spec.quotas:
        mine = group_value(annotator, quota.field)
        if mine is None:
            continue
        cap = max(1, math.floor(quota.max_share * wanted))
        counts = Counter(group_value(holder, quota.field) for holder in holders)
        if counts[mine] >= cap:
            return False
    return True
