"""What one annotator did: per campaign, how many judgments, how fast, when; and when they were
last seen."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefhub.models import ApiToken, Campaign, Judgment, User, UserSession
from prefhub.people.service import group_names_of


@dataclass
class CampaignActivity:
    slug: str
    name: str
    # First submissions; a revised answer is counted once, its revisions apart.
    judgments: int = 0
    revisions: int = 0
    median_time_ms: int | None = None
    first_judgment_at: datetime | None = None
    last_judgment_at: datetime | None = None
    times: list[int] = field(default_factory=list, repr=False)


@dataclass
class Activity:
    user: User
    groups: list[str]
    campaigns: list[CampaignActivity]
    last_seen_at: datetime | None


def activity_of(session: Session, user: User, *, campaigns_of: int | None = None) -> Activity:
    """``campaigns_of``: only the campaigns that user (a researcher) owns, and then last seen
    means their last judgment there (sign-ins are not theirs to see)."""
    query = (
        select(
            Campaign.slug,
            Campaign.name,
            Judgment.revision,
            Judgment.time_spent_ms,
            Judgment.created_at,
        )
        .join(Campaign, Campaign.id == Judgment.campaign_id)
        .where(Judgment.annotator_id == user.id)
        .order_by(Judgment.id)
    )
    if campaigns_of is not None:
        query = query.where(Campaign.owner_id == campaigns_of)
    by_slug: dict[str, CampaignActivity] = {}
    for slug, name, revision, time_spent_ms, at in session.execute(query).tuples():
        row = by_slug.setdefault(slug, CampaignActivity(slug=slug, name=name))
        if revision:
            row.revisions += 1
        else:
            row.judgments += 1
            if time_spent_ms is not None:
                row.times.append(time_spent_ms)
        row.first_judgment_at = row.first_judgment_at or at
        row.last_judgment_at = at
    for row in by_slug.values():
        row.median_time_ms = round(statistics.median(row.times)) if row.times else None
    campaigns = sorted(by_slug.values(), key=lambda c: c.last_judgment_at or datetime.min)[::-1]

    seen: list[datetime | None] = [c.last_judgment_at for c in campaigns]
    if campaigns_of is None:
        seen += [
            session.scalar(
                select(func.max(UserSession.created_at)).where(UserSession.user_id == user.id)
            ),
            session.scalar(
                select(func.max(ApiToken.last_used_at)).where(ApiToken.user_id == user.id)
            ),
        ]
    known = [s for s in seen if s is not None]
    groups = group_names_of(session, user.id) if campaigns_of is None else []
    return Activity(
        user=user, groups=groups, campaigns=campaigns, last_seen_at=max(known) if known else None
    )
