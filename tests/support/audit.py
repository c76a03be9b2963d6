"""What a campaign's rows say after a workload: stored judgments and each item's counters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select


def judgments_and_item_counters(db: Any, slug: str) -> tuple[int, set[tuple[int, int]]]:
    """The campaign's judgment rows, and the distinct (assigned_count, judgment_count) of its
    items."""
    from prefhub.models import Campaign, Item, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        stored = session.scalar(
            select(func.count(Judgment.id)).where(Judgment.campaign_id == campaign_id)
        )
        counters = session.execute(
            select(Item.assigned_count, Item.judgment_count).where(Item.campaign_id == campaign_id)
        ).all()
    return int(stored or 0), {(a, j) for a, j in counters}
