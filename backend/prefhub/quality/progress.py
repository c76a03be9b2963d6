"""A campaign's progress over time: judgments per hour or day against what the campaign wants,
throughput lately, the median time per judgment and gold accuracy over time.

What counts: each assignment's first submission (``supersedes_id IS NULL``, as the campaign
list's progress counts; a revision corrects a judgment already counted), from every annotator,
simulated ones included: this is how far collection got, not a quality verdict. Gold accuracy
reads the same first submissions' ``gold_score``, as ``gold.gold_report`` does.

Cheap at a million judgments without an index on ``created_at``: SQL reduces the judgments to
per-hour counts (and a histogram of time spent) with GROUP BY, and a process keeps each
campaign's table, reading on each request only the judgments above the table's settled id (the
``(campaign_id, id)`` index), exactly as ``counts`` keeps the leaderboard's tables: ids above
the watermark become visible at commit within ``counts.SETTLE`` of their insert, first
submissions never change once written, and a table is rebuilt from scratch after
``counts.REBUILD_AFTER`` so a deleted item's judgments leave it. Throughput lately reads only the
judgments above the id of the newest hour that ended more than a day ago.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from prefhub.kit.time import utcnow
from prefhub.models import Campaign, Item, ItemStatus, Judgment
from prefhub.quality.counts import MAX_TABLES, REBUILD_AFTER, SETTLE

Bucket = Literal["hour", "day"]
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# A campaign whose judgments span more than this is charted per day (an hourly chart of a
# month would be 720 bars).
HOURLY_UP_TO = timedelta(days=3)
# Time spent is kept in quarter-second bins up to an hour; longer judgments share the last bin.
TIME_BIN_MS = 250
TIME_BINS = 3600 * 1000 // TIME_BIN_MS


@dataclass(frozen=True)
class _Hour:
    """One UTC hour's first submissions."""

    judgments: int = 0
    gold_judged: int = 0
    gold_score: float = 0.0
    max_id: int = 0

    def plus(self, other: _Hour) -> _Hour:
        return _Hour(
            self.judgments + other.judgments,
            self.gold_judged + other.gold_judged,
            self.gold_score + other.gold_score,
            max(self.max_id, other.max_id),
        )


@dataclass(frozen=True)
class _Table:
    settled: int
    hours: dict[datetime, _Hour]
    seconds: Counter[int]  # time-spent bin -> judgments
    built: float  # time.monotonic() of the last full build


@dataclass(frozen=True)
class TimePoint:
    start: datetime  # UTC start of the hour or day
    judgments: int
    cumulative: int
    gold_judged: int
    gold_accuracy: float | None  # mean gold score of the bucket's gold judgments


@dataclass(frozen=True)
class Throughput:
    judgments_last_hour: int
    judgments_per_hour_last_day: float
    annotators_last_hour: int
    annotators_last_day: int


@dataclass
class ProgressReport:
    bucket: Bucket
    items: int
    items_complete: int
    judgments: int
    judgments_target: int
    median_seconds: float | None
    gold_judged: int
    gold_accuracy: float | None
    throughput: Throughput
    timeline: list[TimePoint] = field(default_factory=list)


_tables: OrderedDict[tuple[int, datetime], _Table] = OrderedDict()
_lock = threading.Lock()


def progress_report(session: Session, campaign: Campaign) -> ProgressReport:
    now = utcnow()
    hours, seconds = _current(session, campaign, now)
    ordered = sorted(hours.items())
    bucket: Bucket = "hour"
    if ordered and ordered[-1][0] - ordered[0][0] > HOURLY_UP_TO:
        bucket = "day"
    timeline = _timeline(ordered, bucket)
    items, complete, n_own, own_sum = session.execute(
        select(
            func.count(Item.id),
            func.coalesce(func.sum(case((Item.status == ItemStatus.complete, 1), else_=0)), 0),
            # Adaptive redundancy: items with a number of their own, and its sum.
            func.count(Item.judgments_wanted),
            func.coalesce(func.sum(Item.judgments_wanted), 0),
        ).where(Item.campaign_id == campaign.id, Item.status != ItemStatus.importing)
    ).one()
    if not campaign.spec.get("adaptive"):
        n_own, own_sum = 0, 0  # numbers left from when it was on no longer count
    total = sum(h.judgments for _, h in ordered)
    gold_judged = sum(h.gold_judged for _, h in ordered)
    gold_score = sum(h.gold_score for _, h in ordered)
    return ProgressReport(
        bucket=bucket,
        items=int(items),
        items_complete=int(complete),
        judgments=total,
        judgments_target=(int(items) - int(n_own)) * int(campaign.spec.get("redundancy", 1))
        + int(own_sum),
        median_seconds=_median_seconds(seconds),
        gold_judged=gold_judged,
        gold_accuracy=round(gold_score / gold_judged, 4) if gold_judged else None,
        throughput=_throughput(session, campaign.id, ordered, now),
        timeline=timeline,
    )


def _timeline(ordered: list[tuple[datetime, _Hour]], bucket: Bucket) -> list[TimePoint]:
    """Every bucket from the first judgment's to the last's, empty ones included (a chart of
    a pause should show the pause)."""
    if not ordered:
        return []
    step = HOUR if bucket == "hour" else DAY
    merged: dict[datetime, _Hour] = {}
    for start, hour in ordered:
        key = start if bucket == "hour" else start.replace(hour=0)
        merged[key] = merged.get(key, _Hour()).plus(hour)
    points = []
    cumulative = 0
    start = min(merged)
    while start <= max(merged):
        found = merged.get(start, _Hour())
        cumulative += found.judgments
        points.append(
            TimePoint(
                start=start,
                judgments=found.judgments,
                cumulative=cumulative,
                gold_judged=found.gold_judged,
                gold_accuracy=round(found.gold_score / found.gold_judged, 4)
                if found.gold_judged
                else None,
            )
        )
        start += step
    return points


def _median_seconds(seconds: Counter[int]) -> float | None:
    """The median of the binned times, in seconds (to the bin's midpoint)."""
    total = sum(seconds.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[float] = []
    seen = 0
    for time_bin, n in sorted(seconds.items()):
        while middle and middle[0] < seen + n:
            found.append((time_bin + 0.5) * TIME_BIN_MS / 1000)
            middle.pop(0)
        seen += n
    return round(statistics.fmean(found), 2)


def _throughput(
    session: Session, campaign_id: int, ordered: list[tuple[datetime, _Hour]], now: datetime
) -> Throughput:
    hour_ago, day_ago = now - HOUR, now - DAY
    # Every judgment with an id at or below this one was made before a day ago: its hour ended
    # earlier than that by more than the time a judgment takes to commit.
    floor = max((h.max_id for start, h in ordered if start + HOUR <= day_ago - SETTLE), default=0)
    recent = Judgment.created_at >= hour_ago
    row = session.execute(
        select(
            func.count(case((recent, 1))),
            func.count(),
            func.count(func.distinct(case((recent, Judgment.annotator_id)))),
            func.count(func.distinct(Judgment.annotator_id)),
        ).where(
            Judgment.campaign_id == campaign_id,
            Judgment.id > floor,
            Judgment.supersedes_id.is_(None),
            Judgment.created_at >= day_ago,
        )
    ).one()
    return Throughput(
        judgments_last_hour=int(row[0]),
        judgments_per_hour_last_day=round(int(row[1]) / 24, 2),
        annotators_last_hour=int(row[2]),
        annotators_last_day=int(row[3]),
    )


def _current(
    session: Session, campaign: Campaign, now: datetime
) -> tuple[dict[datetime, _Hour], Counter[int]]:
    """The campaign's hours and time-spent histogram as of now: the process's table (folded
    forward to the newest settled judgment) plus the judgments above it."""
    key = (campaign.id, campaign.created_at)  # a recreated campaign gets a new table
    with _lock:
        table = _tables.get(key)
    if table is None or time.monotonic() - table.built > REBUILD_AFTER:
        table = _Table(settled=0, hours={}, seconds=Counter(), built=time.monotonic())
    settled = session.scalar(
        select(func.max(Judgment.id)).where(
            Judgment.campaign_id == campaign.id,
            Judgment.id > table.settled,
            Judgment.created_at <= now - SETTLE,
        )
    )
    if settled is not None:
        hours, seconds = _read(session, campaign.id, table.settled, settled)
        table = _Table(
            settled,
            _merged(table.hours, hours),
            table.seconds + seconds,
            built=table.built,
        )
        with _lock:
            _tables[key] = table
            _tables.move_to_end(key)
            while len(_tables) > MAX_TABLES:
                _tables.popitem(last=False)
    fresh_hours, fresh_seconds = _read(session, campaign.id, table.settled, None)
    return _merged(table.hours, fresh_hours), table.seconds + fresh_seconds


def _merged(base: dict[datetime, _Hour], more: dict[datetime, _Hour]) -> dict[datetime, _Hour]:
    merged = dict(base)
    for start, hour in more.items():
        merged[start] = merged.get(start, _Hour()).plus(hour)
    return merged


def _read(
    session: Session, campaign_id: int, lo: int, hi: int | None
) -> tuple[dict[datetime, _Hour], Counter[int]]:
    """Per-hour counts and the time-spent histogram of first submissions with
    ``lo < id <= hi``."""
    where = [
        Judgment.campaign_id == campaign_id,
        Judgment.id > lo,
        Judgment.supersedes_id.is_(None),
    ]
    if hi is not None:
        where.append(Judgment.id <= hi)
    hour = _hour_of(session, Judgment.created_at)
    rows = session.execute(
        select(
            hour,
            func.count(),
            func.count(Judgment.gold_score),
            func.coalesce(func.sum(Judgment.gold_score), 0.0),
            func.max(Judgment.id),
        )
        .where(*where)
        .group_by(hour)
    ).all()
    hours = {
        _as_hour(start): _Hour(int(n), int(gold), float(score), int(max_id))
        for start, n, gold, score, max_id in rows
    }
    time_bin: ColumnElement[Any] = func.min(Judgment.time_spent_ms // TIME_BIN_MS, TIME_BINS - 1)
    if session.get_bind().dialect.name == "postgresql":
        time_bin = func.least(Judgment.time_spent_ms // TIME_BIN_MS, TIME_BINS - 1)
    seconds = Counter(
        {
            int(b): int(n)
            for b, n in session.execute(
                select(time_bin, func.count())
                .where(*where, Judgment.time_spent_ms.is_not(None), Judgment.time_spent_ms >= 0)
                .group_by(time_bin)
            ).all()
        }
    )
    return hours, seconds


def _hour_of(session: Session, moment: Any) -> ColumnElement[Any]:
    """The UTC hour ``moment`` falls in, in SQL (timestamps are stored naive, in UTC)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", moment)
    return func.strftime("%Y-%m-%d %H:00:00", moment)


def _as_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value))
