"""A campaign's agreement report: per measure (``agreement.measures_of``) Krippendorff's alpha
and raw pairwise agreement, overall, over time and per annotator group.

What counts is what the leaderboard counts (``service``): the current revision of each
judgment; simulated annotators left out of a campaign that also has human judgments unless
``include_simulated``; groups resolved by ``service``'s group resolution.

Over time: a unit (item, or item's candidate or pair) belongs to the bucket (day, week or
month, UTC) of its latest judgment, the moment its agreement became what it is; each bucket's
alpha is over the units completed in it, so a bad day stands out instead of being averaged in.

A report is one pass over the campaign's current judgments (seconds for a million), so a
process keeps the last report of each kind and serves it while one background thread per kind
makes a fresh one once the judgments changed (their count or newest id moved), as the
group-disagreement item list does (``service._item_list``). The pass holds the interpreter
while it runs, so a refresh waits ``REFRESH_EVERY`` seconds, or ten times as long as the last
pass took if that is longer: agreement takes at most about a tenth of a process's time and the
other requests keep their latency (at 1,000,000 judgments a pass takes ~40 s, so the report is
up to ~7 minutes behind; ``bench/RESULTS.md``). Only a process's first request of a kind waits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.service import spec_of
from prefhub.models import Campaign, Judgment, User
from prefhub.quality import service
from prefhub.quality.agreement import Agreement, Measure, agreement, measures_of, values_of
from prefhub.quality.service import SimulatedPolicy

Bucket = Literal["day", "week", "month"]
MAX_REPORTS = 32
REFRESH_EVERY = 30.0  # seconds
BUILD_SHARE = 0.1  # at most this share of a process's time goes to making reports
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeasureAgreement:
    measure: Measure
    found: Agreement


@dataclass(frozen=True)
class TimePoint:
    start: str  # ISO date the bucket starts on
    measure: str
    found: Agreement


@dataclass(frozen=True)
class GroupAgreement:
    group: str
    annotators: int
    measure: str
    found: Agreement


@dataclass
class AgreementReport:
    group_by: str | None
    bucket: Bucket
    simulated: SimulatedPolicy
    judgments: int
    measures: list[MeasureAgreement] = field(default_factory=list)
    timeline: list[TimePoint] = field(default_factory=list)
    groups: list[GroupAgreement] = field(default_factory=list)


# unit -> annotator -> (value, judged at)
_Units = dict[Hashable, dict[int, tuple[Hashable, datetime]]]

# kind -> (made at, seconds it took, judgments version, report)
_reports: OrderedDict[tuple[Any, ...], tuple[float, float, tuple[Any, ...], AgreementReport]] = (
    OrderedDict()
)
_refreshing: set[tuple[Any, ...]] = set()
_lock = threading.Lock()


def agreement_report(
    session: Session,
    campaign: Campaign,
    *,
    group_by: str | None = None,
    include_simulated: bool = False,
    bucket: Bucket = "day",
) -> AgreementReport:
    count, newest = session.execute(
        select(func.count(), func.max(Judgment.id)).where(Judgment.campaign_id == campaign.id)
    ).one()
    kind = (campaign.id, group_by, include_simulated, bucket)
    version = (campaign.version, count, newest)
    now = time.monotonic()
    with _lock:
        kept = _reports.get(kind)
        stale = (
            kept is not None
            and kept[2] != version
            and now - kept[0] >= max(REFRESH_EVERY, kept[1] / BUILD_SHARE)
        )
        if stale and kind not in _refreshing:
            _refreshing.add(kind)
            threading.Thread(
                target=_refresh, args=(kind, campaign.id, version), daemon=True
            ).start()
    if kept is not None:
        return kept[3]
    report = _make_report(session, campaign, group_by, include_simulated, bucket)
    _keep(kind, now, version, report)
    return report


def _keep(kind: tuple[Any, ...], started: float, version: tuple[Any, ...], report: Any) -> None:
    took = time.monotonic() - started
    with _lock:
        _reports[kind] = (time.monotonic(), took, version, report)
        _reports.move_to_end(kind)
        while len(_reports) > MAX_REPORTS:
            _reports.popitem(last=False)


def _refresh(kind: tuple[Any, ...], campaign_id: int, version: tuple[Any, ...]) -> None:
    from prefhub.kit.db import unit_of_work

    started = time.monotonic()
    _, group_by, include_simulated, bucket = kind
    try:
        with unit_of_work(read_only=True) as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None:
                report = _make_report(session, campaign, group_by, include_simulated, bucket)
                _keep(kind, started, version, report)
    except Exception:
        # A failed refresh keeps serving the last report; the next request after
        # REFRESH_EVERY tries again, so nothing is lost by not raising here.
        logger.exception("refreshing an agreement report failed")
    finally:
        with _lock:
            _refreshing.discard(kind)


def _make_report(
    session: Session,
    campaign: Campaign,
    group_by: str | None,
    include_simulated: bool,
    bucket: Bucket,
) -> AgreementReport:
    measures = measures_of(spec_of(campaign))
    newer = aliased(Judgment)
    rows = session.execute(
        select(
            Judgment.item_id,
            Judgment.annotator_id,
            Judgment.created_at,
            Judgment.answers,
            Judgment.shown_order,
        ).where(
            Judgment.campaign_id == campaign.id,
            ~exists().where(newer.supersedes_id == Judgment.id),
        )
    ).all()
    annotators = {row.annotator_id for row in rows}
    simulated, kept = _simulated_policy(session, annotators, include_simulated)
    groups = service._groups(session, campaign, kept, group_by) if group_by else {}

    units: dict[str, _Units] = {m.id: {} for m in measures}
    judgments = 0
    for item_id, annotator, created_at, answers, shown_order in rows:
        if annotator not in kept or not isinstance(answers, dict):
            continue
        judgments += 1
        for measure in measures:
            for unit, value in values_of(measure, answers, shown_order or []):
                units[measure.id].setdefault((item_id, unit), {})[annotator] = (value, created_at)

    report = AgreementReport(group_by, bucket, simulated, judgments)
    names = sorted(set(groups.values()))
    members = Counter(groups.values())
    for measure in measures:
        by_unit = units[measure.id]
        report.measures.append(MeasureAgreement(measure, _agreement(by_unit, measure)))
        by_bucket: dict[str, _Units] = {}
        for unit, votes in by_unit.items():
            if len(votes) < 2:
                continue
            latest = max(at for _, at in votes.values())
            by_bucket.setdefault(_bucket_start(latest, bucket), {})[unit] = votes
        report.timeline.extend(
            TimePoint(start, measure.id, _agreement(in_bucket, measure))
            for start, in_bucket in sorted(by_bucket.items())
        )
        for name in names:
            in_group = {
                unit: {a: v for a, v in votes.items() if groups.get(a) == name}
                for unit, votes in by_unit.items()
            }
            report.groups.append(
                GroupAgreement(name, members[name], measure.id, _agreement(in_group, measure))
            )
    return report


def _agreement(units: _Units, measure: Measure) -> Agreement:
    return agreement(
        (Counter(value for value, _ in votes.values()) for votes in units.values()),
        measure.level,
    )


def _bucket_start(at: datetime, bucket: Bucket) -> str:
    day = at.date()
    if bucket == "week":
        day = day - timedelta(days=day.weekday())
    elif bucket == "month":
        day = day.replace(day=1)
    return day.isoformat()


def _simulated_policy(
    session: Session, annotators: set[int], include_simulated: bool
) -> tuple[SimulatedPolicy, set[int]]:
    """Which annotators count, as the leaderboard decides it (``service._scope``)."""
    if not annotators:
        return "none", annotators
    synthetic = set(
        session.scalars(
            select(User.id).where(User.is_synthetic.is_(True), User.id.in_(sorted(annotators)))
        )
    )
    if not synthetic:
        return "none", annotators
    if include_simulated:
        return "included", annotators
    if annotators - synthetic:
        return "excluded", annotators - synthetic
    return "only_simulated", annotators
