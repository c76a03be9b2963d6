"""The agreement endpoint; ``quality.router`` includes it under its prefix."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.quality import agreement_service
from prefhub.quality.agreement import Agreement
from prefhub.quality.agreement_schemas import (
    AgreementOut,
    AgreementStats,
    GroupAgreementOut,
    MeasureOut,
    TimePointOut,
)
from prefhub.quality.exceptions import UnknownGroupField

router = APIRouter()

FIELD_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
GROUP_BY = (
    "group annotators by their answer to this profile question (or 'annotator_group' for "
    "their annotator groups); 422 unknown_group_field names the fields there are"
)


def _stats(found: Agreement) -> dict[str, Any]:
    return AgreementStats(
        alpha=found.alpha, raw=found.raw, units=found.units, values=found.values
    ).model_dump()


@router.get("/agreement", response_model=AgreementOut, responses=errors(UnknownGroupField))
def get_agreement(
    campaign: ManagedCampaign,
    session: SessionDep,
    group_by: Annotated[str | None, Query(pattern=FIELD_PATTERN, description=GROUP_BY)] = None,
    include_simulated: Annotated[
        bool,
        Query(description="count simulated annotators in a campaign that also has human judgments"),
    ] = False,
    bucket: Annotated[
        agreement_service.Bucket, Query(description="time buckets of the timeline (UTC)")
    ] = "day",
) -> AgreementOut:
    """Krippendorff's alpha (at each measure's level of measurement) and raw pairwise
    agreement per question, over time and per annotator group, from the current judgments."""
    report = agreement_service.agreement_report(
        session, campaign, group_by=group_by, include_simulated=include_simulated, bucket=bucket
    )
    return AgreementOut(
        group_by=report.group_by,
        bucket=report.bucket,
        simulated=report.simulated,
        judgments=report.judgments,
        measures=[
            MeasureOut(
                measure=m.measure.id,
                question=m.measure.question,
                kind=m.measure.kind,
                level=m.measure.level,
                **_stats(m.found),
            )
            for m in report.measures
        ],
        timeline=[
            TimePointOut(start=p.start, measure=p.measure, **_stats(p.found))
            for p in report.timeline
        ],
        groups=[
            GroupAgreementOut(
                group=g.group, annotators=g.annotators, measure=g.measure, **_stats(g.found)
            )
            for g in report.groups
        ],
    )
