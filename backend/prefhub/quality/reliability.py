"""Annotator reliability in a campaign, computed from the data: each annotator's measures
with their evidence (``reliability_measures``) and a combined score.

What counts is every annotator's current judgments (the latest revision of each); simulated
annotators count like anyone else, since their standing is judged like anyone's.

Groups: peer agreement is measured within an annotator's group, so that a group that
consistently prefers something else is not scored as noise. The known groups are the
annotator groups when any annotator of the campaign belongs to one, else the field of the
campaign's first group quota (a profile answer); without either, everyone starts in one
group and ``quality.mace`` splits off the viewpoints the answers show.

Gold accuracy, skips, reports, position, speed and straight-lining are SQL aggregates grouped
by annotator (``reliability_sql``); MACE reads the answers of a fixed sample of the items,
about ``MACE_MAX_JUDGMENTS`` judgments' worth. A process keeps the last report per campaign:
a campaign under ``SYNC_BELOW`` judgments is computed on each request whose judgments
changed; a larger one is served from the last report while one background thread makes a
fresh one, at most every
``REFRESH_EVERY`` seconds or ten times as long as the last pass took (as the agreement
report does; ``bench/RESULTS.md`` has the timings at 1,000,000 judgments).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.kit.time import utcnow
from prefhub.models import (
    AnnotatorGroupMember,
    Assignment,
    AssignmentStatus,
    Campaign,
    ItemReport,
    Judgment,
)
from prefhub.quality import mace, reliability_sql, service
from prefhub.quality.agreement import measures_of
from prefhub.quality.exceptions import UnknownGroupField
from prefhub.quality.gold import gold_report
from prefhub.quality.reliability_measures import (
    Evidence,
    combined,
    position,
    rate,
    speed,
)

logger = logging.getLogger(__name__)

SYNC_BELOW = 50_000  # judgments: below, every changed request computes afresh
REFRESH_EVERY = 30.0  # seconds
BUILD_SHARE = 0.1
MAX_REPORTS = 32
# MACE reads the answers of about this many judgments at most: beyond, a fixed pseudo-random
# share of the items (all of each chosen item's answers, so overlaps stay whole) stands for
# the campaign. Peer agreement's n then counts the sampled items only.
MACE_MAX_JUDGMENTS = 30_000


@dataclass(frozen=True)
class AnnotatorReliability:
    user_id: int
    judgments: int
    group: str | None  # the known group, or the viewpoint MACE scored them in
    score: float
    evidence: dict[str, Evidence]


@dataclass
class ReliabilityReport:
    campaign_id: int
    grouping: str  # "annotator_group", a profile field, or "viewpoints"
    computed_at: datetime
    annotators: dict[int, AnnotatorReliability] = field(default_factory=dict)


# campaign id -> (made at, seconds it took, version, report)
_reports: dict[int, tuple[float, float, tuple[Any, ...], ReliabilityReport]] = {}
_refreshing: set[int] = set()
_lock = threading.Lock()


def reliability_report(
    session: Session, campaign: Campaign, *, wait: bool = False
) -> ReliabilityReport:
    """The campaign's report, as of its current judgments (or, for a large campaign and
    unless ``wait``, as of the last pass while a fresh one is made)."""
    count, newest = session.execute(
        select(func.count(), func.max(Judgment.id)).where(Judgment.campaign_id == campaign.id)
    ).one()
    version = (campaign.version, count, newest)
    now = time.monotonic()
    with _lock:
        kept = _reports.get(campaign.id)
    if kept is not None and kept[2] == version:
        return kept[3]
    if kept is None or wait or count < SYNC_BELOW:
        report = compute(session, campaign)
        _keep(campaign.id, now, version, report)
        return report
    with _lock:
        due = now - kept[0] >= max(REFRESH_EVERY, kept[1] / BUILD_SHARE)
        if due and campaign.id not in _refreshing:
            _refreshing.add(campaign.id)
            threading.Thread(target=_refresh, args=(campaign.id, version), daemon=True).start()
    return kept[3]


def forget(campaign_id: int | None = None) -> None:
    """Drop kept reports (one campaign's, or all): the next request computes afresh."""
    with _lock:
        if campaign_id is None:
            _reports.clear()
        else:
            _reports.pop(campaign_id, None)


def _keep(campaign_id: int, started: float, version: tuple[Any, ...], report: Any) -> None:
    took = time.monotonic() - started
    with _lock:
        _reports[campaign_id] = (time.monotonic(), took, version, report)
        while len(_reports) > MAX_REPORTS:
            _reports.pop(next(iter(_reports)))


def _refresh(campaign_id: int, version: tuple[Any, ...]) -> None:
    from prefhub.kit.db import unit_of_work

    started = time.monotonic()
    try:
        with unit_of_work(read_only=True) as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None:
                _keep(campaign_id, started, version, compute(session, campaign))
    except Exception:
        # A failed refresh keeps serving the last report; the next request after
        # REFRESH_EVERY tries again, so nothing is lost by not raising here.
        logger.exception("refreshing a reliability report failed")
    finally:
        with _lock:
            _refreshing.discard(campaign_id)


def compute(session: Session, campaign: Campaign) -> ReliabilityReport:
    """One pass: a few aggregates grouped by annotator, and MACE over a sample of items."""
    spec = spec_of(campaign)
    nominal = [m for m in measures_of(spec) if m.level == "nominal"]
    pairwise = [q.id for q in spec.questions if q.kind == "pairwise"]
    rating = [q.id for q in spec.questions if q.kind == "rating"]
    times, campaign_median = reliability_sql.timings(session, campaign)
    total = sum(t.judgments for t in times.values())
    share = min(1.0, MACE_MAX_JUDGMENTS / total) if total else 1.0
    answers = reliability_sql.mace_answers(session, campaign, nominal, share)
    sides = reliability_sql.positions(session, campaign, pairwise)
    repeated = reliability_sql.repeats(session, campaign, rating)

    annotators = set(times)
    grouping, known = _known_groups(session, campaign, annotators)
    start: list[set[int]] = []
    for name in sorted(set(known.values())):
        start.append({a for a, g in known.items() if g == name})
    ungrouped = annotators - set(known)
    if ungrouped:
        start.append(ungrouped)
    peers = mace.scored(answers, start)
    viewpoint_names = [
        " + ".join(sorted({known[a] for a in g if a in known})) or None for g in start
    ]

    gold = {t.key: t for t in gold_report(session, campaign).annotators}
    finished = _finished_tasks(session, campaign)
    reports = dict(
        session.execute(
            select(ItemReport.annotator_id, func.count())
            .where(ItemReport.campaign_id == campaign.id)
            .group_by(ItemReport.annotator_id)
        )
        .tuples()
        .all()
    )
    report = ReliabilityReport(campaign.id, grouping, utcnow())
    for annotator in sorted(annotators | set(gold) | set(finished)):
        timing = times.get(annotator, reliability_sql.Timing())
        evidence: dict[str, Evidence] = {}
        g = gold.get(annotator)
        evidence["gold_accuracy"] = Evidence(g.accuracy, g.seen) if g else Evidence(None, 0)
        c = peers.get(annotator, mace.NO_EVIDENCE)
        evidence["peer_agreement"] = Evidence(c.theta if c.n else None, c.n)
        evidence["left_share"], evidence["position_bias_p"] = position(
            *sides.get(annotator, (0, 0))
        )
        evidence["speed_ratio"] = speed(timing.median_ms(), timing.timed, campaign_median)
        same, compared = repeated.get(annotator, (0, 0))
        evidence["straight_lining"] = Evidence(
            round(same / compared, 4) if compared else None, compared
        )
        skipped, submitted = finished.get(annotator, (0, 0))
        done = skipped + submitted
        reported = min(int(reports.get(annotator, 0)), done)
        evidence["skip_rate"] = rate(max(0, skipped - reported), done)
        evidence["report_rate"] = rate(reported, done)
        score = combined(evidence)
        evidence["score"] = Evidence(score, timing.judgments)
        group = known.get(annotator)
        if group is None and c.viewpoint >= 0:
            group = viewpoint_names[c.viewpoint] if c.viewpoint < len(viewpoint_names) else None
            group = group or f"viewpoint {c.viewpoint + 1}"
        report.annotators[annotator] = AnnotatorReliability(
            user_id=annotator,
            judgments=timing.judgments,
            group=group,
            score=score,
            evidence={name: evidence[name] for name in sorted(evidence)},
        )
    return report


def _known_groups(
    session: Session, campaign: Campaign, annotators: set[int]
) -> tuple[str, dict[int, str]]:
    """(what groups them, annotator -> group) as ``quality.service`` resolves groups."""
    if not annotators:
        return "viewpoints", {}
    grouped = session.scalar(
        select(func.count())
        .select_from(AnnotatorGroupMember)
        .where(AnnotatorGroupMember.user_id.in_(sorted(annotators)))
    )
    if grouped:
        field_name = service.ANNOTATOR_GROUP
    elif spec_of(campaign).quotas:
        field_name = spec_of(campaign).quotas[0].field
    else:
        return "viewpoints", {}
    try:
        return field_name, service._groups(session, campaign, annotators, field_name)
    except UnknownGroupField:
        return "viewpoints", {}


def _finished_tasks(session: Session, campaign: Campaign) -> dict[int, tuple[int, int]]:
    """annotator -> (skipped or reported tasks, submitted tasks)."""
    skipped = func.sum(case((Assignment.status == AssignmentStatus.skipped, 1), else_=0))
    submitted = func.sum(case((Assignment.status == AssignmentStatus.submitted, 1), else_=0))
    return {
        annotator: (int(s or 0), int(d or 0))
        for annotator, s, d in session.execute(
            select(Assignment.annotator_id, skipped, submitted)
            .where(
                Assignment.campaign_id == campaign.id,
                Assignment.status.in_([AssignmentStatus.skipped, AssignmentStatus.submitted]),
            )
            .group_by(Assignment.annotator_id)
        ).tuples()
    }
