"""GET /quality/progress: judgments per hour or day against the campaign's target, throughput
lately, median time per judgment and gold accuracy over time, kept incrementally per process
and always equal to a recount from the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from support.api import create_campaign_with_items, judge_next

CHOICE = {"preference": {"choice": "A"}}


def _progress(client: Any, slug: str) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{slug}/quality/progress")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _judgment_ids(db: Any, slug: str) -> list[int]:
    from prefhub.models import Campaign, Judgment

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        return list(
            session.scalars(
                select(Judgment.id).where(Judgment.campaign_id == campaign_id).order_by(Judgment.id)
            )
        )


def _set(db: Any, ids: list[int], **values: Any) -> None:
    from prefhub.models import Judgment

    with db() as session:
        session.execute(update(Judgment).where(Judgment.id.in_(ids)).values(**values))


def _hour(moment: datetime) -> str:
    return moment.replace(minute=0, second=0, microsecond=0).isoformat() + "Z"


def test_progress_counts_hours_throughput_median_and_gold(as_user, unique, db) -> None:  # type: ignore[no-untyped-def]
    from prefhub.kit.time import utcnow

    researcher = as_user("researcher")
    slug = f"progress-{unique}"
    create_campaign_with_items(researcher, slug, 4, redundancy=2)
    empty = _progress(researcher, slug)
    assert empty["judgments"] == 0 and empty["timeline"] == [] and empty["median_seconds"] is None
    assert empty["judgments_target"] == 8 and empty["items"] == 4

    people = [as_user() for _ in range(3)]
    for person, seconds in zip(people, (2, 4, 30), strict=True):
        for _ in range(2):
            judge_next(person, slug, CHOICE, time_spent_ms=seconds * 1000)
    ids = _judgment_ids(db, slug)
    assert len(ids) == 6
    now = utcnow()
    # Two judgments made five hours ago (settled, folded into the process's table), two
    # made two hours ago, two now; two of the old ones on gold items, scored 1 and 0.5.
    five_ago, two_ago = now - timedelta(hours=5), now - timedelta(hours=2)
    _set(db, ids[:2], created_at=five_ago)
    _set(db, ids[2:4], created_at=two_ago)
    _set(db, ids[:1], gold_score=1.0)
    _set(db, ids[1:2], gold_score=0.5)

    body = _progress(researcher, slug)
    assert body["bucket"] == "hour"
    assert body["judgments"] == 6 and body["judgments_target"] == 8
    timeline = body["timeline"]
    # Every hour from the first judgment's to the last's, the empty ones too.
    assert timeline[0]["start"] == _hour(five_ago) and timeline[-1]["start"] == _hour(now)
    assert len(timeline) in (6, 7)  # 6 unless the hour turned between the two clock reads
    by_start = {p["start"]: p for p in timeline}
    assert by_start[_hour(five_ago)]["judgments"] == 2
    assert by_start[_hour(two_ago)]["judgments"] == 2
    assert [p["cumulative"] for p in timeline][-1] == 6
    assert by_start[_hour(five_ago)]["gold_judged"] == 2
    assert by_start[_hour(five_ago)]["gold_accuracy"] == 0.75
    assert by_start[_hour(two_ago)]["gold_accuracy"] is None
    assert body["gold_judged"] == 2 and body["gold_accuracy"] == 0.75
    # Times 2, 2, 4, 4, 30, 30 s: the median is 4 s, to the quarter-second bin's middle.
    assert body["median_seconds"] == 4.12
    throughput = body["throughput"]
    assert throughput["judgments_last_hour"] == 2
    assert throughput["judgments_per_hour_last_day"] == 0.25
    assert throughput["annotators_last_hour"] == 1  # the third annotator judged last
    assert throughput["annotators_last_day"] == 3

    # New judgments show up at once, and so do old ones the table has already folded.
    judge_next(people[0], slug, CHOICE, time_spent_ms=1000)
    again = _progress(researcher, slug)
    assert again["judgments"] == 7 and again["timeline"][-1]["cumulative"] == 7
    assert again["throughput"]["judgments_last_hour"] == 3
    assert again["throughput"]["annotators_last_hour"] == 2


def test_progress_is_charted_per_day_once_judgments_span_more_than_three_days(
    as_user, unique, db
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.kit.time import utcnow

    researcher = as_user("researcher")
    slug = f"progress-days-{unique}"
    create_campaign_with_items(researcher, slug, 3, redundancy=1)
    person = as_user()
    for _ in range(3):
        judge_next(person, slug, CHOICE, time_spent_ms=5000)
    ids = _judgment_ids(db, slug)
    now = utcnow()
    _set(db, ids[:1], created_at=now - timedelta(days=6))
    _set(db, ids[1:2], created_at=now - timedelta(days=2))

    body = _progress(researcher, slug)
    assert body["bucket"] == "day"
    days = [p["start"] for p in body["timeline"]]
    first = (now - timedelta(days=6)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert days[0] == first.isoformat() + "Z"
    assert len(days) in (7, 8)  # six days back to today, a day more if midnight passed
    assert [p["judgments"] for p in body["timeline"]].count(0) == len(days) - 3
    assert body["timeline"][-1]["cumulative"] == 3 and body["items_complete"] == 3
    assert body["throughput"]["judgments_last_hour"] == 1
    assert body["throughput"]["annotators_last_day"] == 1


def test_progress_of_an_unknown_campaign_is_a_404_with_its_code(as_user, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    response = researcher.get(f"/api/campaigns/missing-{unique}/quality/progress")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "campaign_not_found"
