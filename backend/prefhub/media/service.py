"""Media rows and who may fetch them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.assignments.eligibility import ineligibility_reason
from prefhub.auth.policies import can_manage_campaign
from prefhub.campaigns.service import spec_of
from prefhub.media.exceptions import MediaNotFound
from prefhub.media.storage import StoredMedia
from prefhub.models import Campaign, CampaignMedia, CampaignStatus, MediaAsset, Role, User


def register(session: Session, stored: Iterable[StoredMedia], campaign_id: int) -> None:
    """Record stored bytes and link them to the campaign that uses them (both idempotent)."""
    for media in stored:
        asset = _asset(session, media)
        link = session.get(CampaignMedia, (campaign_id, asset.id))
        if link is None:
            try:
                with session.begin_nested():
                    session.add(CampaignMedia(campaign_id=campaign_id, asset_id=asset.id))
            except IntegrityError:
                pass  # linked by a concurrent transaction


def _asset(session: Session, media: StoredMedia) -> MediaAsset:
    existing = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == media.sha256))
    if existing is not None:
        return existing
    sniffed = media.sniffed
    asset = MediaAsset(
        sha256=media.sha256,
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        byte_size=media.byte_size,
        width=sniffed.width,
        height=sniffed.height,
        duration_ms=sniffed.duration_ms,
        storage_key=media.storage_key,
    )
    try:
        with session.begin_nested():
            session.add(asset)
    except IntegrityError:
        # The same bytes were registered by a concurrent transaction.
        return session.scalars(select(MediaAsset).where(MediaAsset.sha256 == media.sha256)).one()
    return asset


def fetchable(session: Session, user: User, sha256: str) -> MediaAsset:
    """The asset, if ``user`` may see a campaign that uses it; otherwise not found (whether it
    exists is nobody else's business)."""
    asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
    if asset is not None:
        campaigns = session.scalars(
            select(Campaign)
            .join(CampaignMedia, CampaignMedia.campaign_id == Campaign.id)
            .where(CampaignMedia.asset_id == asset.id)
        )
        if any(_may_see(user, campaign) for campaign in campaigns):
            return asset
    raise MediaNotFound("No such media file")


def _may_see(user: User, campaign: Campaign) -> bool:
    if can_manage_campaign(user, campaign):
        return True
    return (
        user.role == Role.annotator
        and campaign.status == CampaignStatus.active
        and ineligibility_reason(spec_of(campaign), user) is None
    )
