"""Media rows, who may fetch them, uploads and URL fetch jobs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.assignments.eligibility import may_annotate
from prefhub.auth.policies import can_manage_campaign
from prefhub.jobs import service as jobs
from prefhub.media.exceptions import MediaFetchNotFound, MediaNotFound
from prefhub.media.fetch import check_url
from prefhub.media.storage import StoredMedia, media_part, put_bytes
from prefhub.models import (
    Campaign,
    CampaignMedia,
    MediaAsset,
    MediaFetchJob,
    Role,
    User,
)


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


def add(session: Session, data: bytes, campaign_id: int) -> StoredMedia:
    """Validate, store and link ``data`` to the campaign."""
    stored = put_bytes(data)
    register(session, [stored], campaign_id)
    return stored


def linked_asset(session: Session, campaign_id: int, sha256: str) -> MediaAsset | None:
    """The asset with this hash, if the campaign already uses it."""
    return session.scalar(
        select(MediaAsset)
        .join(CampaignMedia, CampaignMedia.asset_id == MediaAsset.id)
        .where(MediaAsset.sha256 == sha256, CampaignMedia.campaign_id == campaign_id)
    )


def part_of(asset: MediaAsset) -> dict[str, object]:
    """The content part that refers to a stored asset."""
    return media_part(
        asset.kind, asset.sha256, asset.content_type, asset.width, asset.height, asset.duration_ms
    )


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
    return user.role == Role.annotator and may_annotate(campaign, user)


def create_fetch_job(
    session: Session,
    campaign: Campaign,
    user: User,
    url: str,
    *,
    idempotency_key: str | None = None,
) -> MediaFetchJob:
    """Record a URL to fetch and send it to a worker once the transaction commits."""
    check_url(url)  # what is refused without a DNS lookup is refused at once
    job = MediaFetchJob(campaign_id=campaign.id, url=url)
    return jobs.create(session, job, owner=user, idempotency_key=idempotency_key)


def get_fetch_job(session: Session, job_id: int) -> MediaFetchJob:
    job = session.get(MediaFetchJob, job_id)
    if job is None:
        raise MediaFetchNotFound(f"No media fetch job {job_id}")
    return job


def url_of(session: Session, job_id: int) -> str:
    return session.get_one(MediaFetchJob, job_id).url


def finish_fetch(session: Session, job_id: int, data: bytes) -> None:
    job = session.get_one(MediaFetchJob, job_id)
    assert job.campaign_id is not None  # created for a campaign, deleted with it
    stored = add(session, data, job.campaign_id)
    job.asset_id = session.scalars(
        select(MediaAsset.id).where(MediaAsset.sha256 == stored.sha256)
    ).one()
    jobs.succeed(job)
