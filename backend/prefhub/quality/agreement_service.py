"""A campaign's agreement report: per measure (``agreement.measures_of``) Krippendorff's alpha
and raw pairwise agreement, overall, over time and per annotator group.

What counts is what the leaderboard counts (``service``): the current revision of each
judgment; simulated annotators left out of a campaign that also has human judgments unless
``include_simulated``; groups resolved by ``service``'s group resolution.

Over time: a unit (item, or item's candidate or pair) belongs to the bucket (day, week or
month, UTC) of its latest judgment, the moment its agreement became what it is; each bucket's
alpha is over the units completed in it, so a bad day stands out instead of being averaged in.

The numbers come from sums kept incrementally (``agreement_counts``): a request reads only the
judgments written since the last one and recounts the items they touched, so a report counts
every judgment committed before it started (a deleted item drops out at the next rebuild,
within ``agreement_counts.REBUILD_AFTER``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from prefhub.campaigns.service import spec_of
from prefhub.models import Campaign
from prefhub.quality.agreement import Agreement, Measure, Sums, measures_of
from prefhub.quality.agreement_counts import AgreementSums, ViewSums, agreement_sums
from prefhub.quality.service import SimulatedPolicy

Bucket = Literal["day", "week", "month"]


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


def agreement_report(
    session: Session,
    campaign: Campaign,
    *,
    group_by: str | None = None,
    include_simulated: bool = False,
    bucket: Bucket = "day",
) -> AgreementReport:
    measures = measures_of(spec_of(campaign))
    with agreement_sums(session, campaign, group_by) as sums:
        simulated, view, kept = _simulated_policy(sums, include_simulated)
        report = AgreementReport(group_by, bucket, simulated, view.judgments)
        groups = {a: g for a, g in sums.groups.items() if a in kept}
        names = sorted(set(groups.values()))
        members = Counter(groups.values())
        for measure in measures:
            report.measures.append(
                MeasureAgreement(measure, _agreement(view.overall.get(measure.id), measure))
            )
            report.timeline.extend(
                TimePoint(start, measure.id, _agreement(in_bucket, measure))
                for start, in_bucket in _buckets(view, measure, bucket)
            )
            report.groups.extend(
                GroupAgreement(
                    name,
                    members[name],
                    measure.id,
                    _agreement(view.groups.get((measure.id, name)), measure),
                )
                for name in names
            )
    return report


def _agreement(sums: Sums | None, measure: Measure) -> Agreement:
    return (sums or Sums()).agreement(measure.level)


def _buckets(view: ViewSums, measure: Measure, bucket: Bucket) -> list[tuple[str, Sums]]:
    """(bucket start, sums) of the buckets with units of ``measure``, in time order."""
    found: dict[str, Sums] = {}
    for (measure_id, day), sums in view.days.items():
        if measure_id == measure.id:
            found.setdefault(_bucket_start(day, bucket), Sums()).update(sums)
    return sorted(found.items())


def _bucket_start(day: date, bucket: Bucket) -> str:
    if bucket == "week":
        day = day - timedelta(days=day.weekday())
    elif bucket == "month":
        day = day.replace(day=1)
    return day.isoformat()


def _simulated_policy(
    sums: AgreementSums, include_simulated: bool
) -> tuple[SimulatedPolicy, ViewSums, set[int]]:
    """Which annotators count, as the leaderboard decides it (``service._scope``)."""
    annotators = set(sums.synthetic)
    humans = {a for a, synthetic in sums.synthetic.items() if not synthetic}
    if humans == annotators:
        return "none", sums.all, annotators
    if include_simulated:
        return "included", sums.all, annotators
    if humans:
        return "excluded", sums.humans, humans
    return "only_simulated", sums.all, annotators
