"""Judging steps tests of quality numbers share: revising an answer, aging judgments so that
incremental counts settle them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update


def answer_again(person: Any, slug: str, judgment_id: int, choice: str) -> int:
    """Undo a judgment (within the campaign's undo window) and answer its pairwise question
    anew: a new revision superseding it. Returns the new judgment's id."""
    reopened = person.post(f"/api/annotate/{slug}/undo", json={"judgment_id": judgment_id})
    assert reopened.status_code == 200, reopened.text
    response = person.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": reopened.json()["task"]["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 1000,
        },
    )
    assert response.status_code == 200, response.text
    return int(response.json()["judgment_id"])


def age_judgments(db: Any, slug: str) -> None:
    """Make every judgment of the campaign old enough to settle (``counts.SETTLE``)."""
    from prefhub.kit.time import utcnow
    from prefhub.models import Campaign, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        session.execute(
            update(Judgment)
            .where(Judgment.campaign_id == campaign_id)
            .values(created_at=utcnow() - timedelta(minutes=5))
        )
