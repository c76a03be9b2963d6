"""Create, version, look up and summarise campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefhub.campaigns.exceptions import (
    CampaignExists,
    CampaignNotFound,
    InvalidTransition,
    SpecNoLongerValid,
)
from prefhub.campaigns.lifecycle import (
    INITIAL,
    SHOWN_TO_ANNOTATORS,
    require_editable,
    require_ready_to_open,
)
from prefhub.campaigns.spec import CampaignSpec
from prefhub.models import (
    AnnotatorJudgmentCount,
    Campaign,
    CampaignItemCount,
    CampaignStatus,
    CampaignVersion,
    Item,
    ItemStatus,
    Role,
    User,
)


def create_campaign(
    session: Session,
    spec: CampaignSpec,
    owner: User,
    *,
    status: CampaignStatus = CampaignStatus.active,
) -> Campaign:
    """A new campaign: ``draft`` for one its researchers still prepare, or ``active``."""
    if status not in INITIAL:
        raise InvalidTransition(
            f"A new campaign starts as draft or active, not {status.value}",
            details={"from": None, "to": status.value, "allowed": sorted(INITIAL)},
        )
    if session.scalar(select(Campaign.id).where(Campaign.slug == spec.slug)) is not None:
        raise CampaignExists(f"A campaign with slug '{spec.slug}' already exists")
    stored = spec.model_dump(mode="json")
    campaign = Campaign(
        slug=spec.slug,
        name=spec.name,
        owner_id=owner.id,
        status=status,
        spec=stored,
        version=1,
        priority=spec.priority,
    )
    session.add(campaign)
    session.flush()
    if status == CampaignStatus.active:
        # A qualification phase needs its gold imported first: create a draft, then activate.
        require_ready_to_open(session, campaign, spec)
    session.add(
        CampaignVersion(campaign_id=campaign.id, version=1, spec=stored, created_by_id=owner.id)
    )
    session.flush()
    return campaign


def update_spec(session: Session, campaign: Campaign, spec: CampaignSpec, by: User) -> Campaign:
    """Store a new version; judgments keep the version they were made under."""
    require_editable(campaign)
    if spec.slug != campaign.slug:
        raise CampaignExists("The slug of an existing campaign cannot change")
    if campaign.status in SHOWN_TO_ANNOTATORS:
        require_ready_to_open(session, campaign, spec)
    stored = spec.model_dump(mode="json")
    campaign.version += 1
    campaign.spec = stored
    campaign.name = spec.name
    campaign.priority = spec.priority
    session.add(
        CampaignVersion(
            campaign_id=campaign.id, version=campaign.version, spec=stored, created_by_id=by.id
        )
    )
    session.flush()
    return campaign


def get_by_slug(session: Session, slug: str, *, for_update: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.slug == slug)
    if for_update:
        # Refreshed: the request may have read the row unlocked before (with its caller).
        query = query.with_for_update().execution_options(populate_existing=True)
    campaign = session.scalar(query)
    if campaign is None:
        raise CampaignNotFound(f"No campaign with slug '{slug}'")
    return campaign


_SPEC_CACHE: dict[tuple[int, int, datetime], CampaignSpec] = {}


class StoredSpec(Protocol):
    """What ``spec_of`` reads: a ``Campaign`` or the task loop's columns of one."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def spec(self) -> dict[str, Any]: ...


class CampaignColumns(StoredSpec, Protocol):
    """What the task loop reads of a campaign: a ``Campaign`` or its columns
    (``auth.service.CampaignRow``)."""

    @property
    def name(self) -> str: ...
    @property
    def status(self) -> CampaignStatus: ...


def spec_of(campaign: StoredSpec) -> CampaignSpec:
    """The campaign's spec as a model, parsed once per version: a version's spec never
    changes, so every replica's cache agrees (``created_at`` tells apart recreated rows)."""
    key = (campaign.id, campaign.version, campaign.created_at)
    spec = _SPEC_CACHE.get(key)
    if spec is None:
        if len(_SPEC_CACHE) > 512:
            _SPEC_CACHE.clear()
        try:
            spec = CampaignSpec.model_validate(campaign.spec)
        except ValidationError as exc:
            problems = [
                {"field": ".".join(str(x) for x in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            raise SpecNoLongerValid(
                f"Campaign '{campaign.slug}' has a spec that current rules refuse; save a "
                "corrected spec (PUT /api/campaigns/{slug}/spec) to open it again",
                details=problems,
            ) from None
        _SPEC_CACHE[key] = spec
    return spec


def visible_campaigns(
    session: Session, user: User, *, include_archived: bool = False
) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id)
    if not include_archived:
        query = query.where(Campaign.status != CampaignStatus.archived)
    if user.role != Role.admin:
        query = query.where(Campaign.owner_id == user.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Progress:
    items: int
    items_complete: int
    judgments: int
    judgments_target: int


def progress(session: Session, campaigns: list[Campaign]) -> dict[int, Progress]:
    """Progress of several campaigns from the counter rows the database's triggers keep
    (``models.counters``): a few rows per campaign, however many items it holds. Only
    adaptive campaigns read their items, for the numbers of judgments items want."""
    ids = [c.id for c in campaigns]
    if not ids:
        return {}
    # Items an import job is still writing are not counted (``items_total``) until it finishes.
    item_rows = session.execute(
        select(
            CampaignItemCount.campaign_id,
            func.sum(CampaignItemCount.items_total),
            func.sum(CampaignItemCount.items_complete),
        )
        .where(CampaignItemCount.campaign_id.in_(ids))
        .group_by(CampaignItemCount.campaign_id)
    ).all()
    # Revisions are not counted: the counter holds first judgments only.
    judgment_rows = session.execute(
        select(AnnotatorJudgmentCount.campaign_id, func.sum(AnnotatorJudgmentCount.judgments))
        .where(AnnotatorJudgmentCount.campaign_id.in_(ids))
        .group_by(AnnotatorJudgmentCount.campaign_id)
    ).all()
    items = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in item_rows}
    judgments = {row[0]: int(row[1] or 0) for row in judgment_rows}
    # Adaptive redundancy: items with a number of their own, and its sum (numbers left from
    # when it was on no longer count once it is off).
    wanted = _judgments_wanted(session, [c.id for c in campaigns if c.spec.get("adaptive")])
    result = {}
    for campaign in campaigns:
        n_items, n_complete = items.get(campaign.id, (0, 0))
        n_own, own_sum = wanted.get(campaign.id, (0, 0))
        k = int(campaign.spec.get("redundancy", 1))
        result[campaign.id] = Progress(
            items=n_items,
            items_complete=n_complete,
            judgments=judgments.get(campaign.id, 0),
            judgments_target=(n_items - n_own) * k + own_sum,
        )
    return result


def _judgments_wanted(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per adaptive campaign: how many of its items want a number of judgments of their own,
    and the sum of those numbers."""
    if not ids:
        return {}
    rows = session.execute(
        select(Item.campaign_id, func.count(Item.judgments_wanted), func.sum(Item.judgments_wanted))
        .where(Item.campaign_id.in_(ids), Item.status != ItemStatus.importing)
        .group_by(Item.campaign_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
