"""``/api/campaigns/{slug}/quality/annotators``: each annotator's reliability with its
evidence, their standing, and the researcher's Flag / Exclude / Restore."""

from __future__ import annotations

from fastapi import APIRouter

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.quality import annotators_service
from prefhub.quality.annotators_service import AnnotatorRow
from prefhub.quality.reliability_schemas import (
    AnnotatorOut,
    AnnotatorsOut,
    EvidenceOut,
    StandingIn,
)
from prefhub.quality.rules import UnknownAnnotator, set_standing

router = APIRouter()


def _row(row: AnnotatorRow) -> AnnotatorOut:
    return AnnotatorOut(
        user_id=row.user_id,
        username=row.username,
        group=row.group,
        judgments=row.judgments,
        score=row.score,
        standing=row.standing,  # type: ignore[arg-type]
        standing_reason=row.standing_reason,
        standing_source=row.standing_source,  # type: ignore[arg-type]
        evidence={
            name: EvidenceOut(value=e.value, n=e.n, p_value=e.p_value)
            for name, e in row.evidence.items()
        },
        fired_rules=row.fired_rules,
    )


@router.get("/annotators", response_model=AnnotatorsOut)
def get_annotators(campaign: ManagedCampaign, session: SessionDep) -> AnnotatorsOut:
    """Each annotator's reliability score with the evidence of every measure, their standing
    and the rules that fire on them; reading it applies the campaign's rules."""
    view = annotators_service.annotators_view(session, campaign)
    return AnnotatorsOut(
        annotators=[_row(r) for r in view.annotators],
        rules=view.rules,
        grouping=view.grouping,
        computed_at=view.computed_at,
    )


@router.post(
    "/annotators/{user_id}/standing",
    response_model=AnnotatorOut,
    responses=errors(UnknownAnnotator),
)
def post_standing(
    campaign: ManagedCampaign,
    session: SessionDep,
    user_id: PathId,
    body: StandingIn,
) -> AnnotatorOut:
    """Flag, exclude or restore an annotator: the researcher's decision stands (rules never
    override it). 404 annotator_not_found for a user who never worked on the campaign."""
    set_standing(session, campaign, user_id, body.standing, body.reason)
    row = annotators_service.annotator_row(session, campaign, user_id)
    if row is None:
        raise UnknownAnnotator("This user never worked on this campaign")
    return _row(row)
