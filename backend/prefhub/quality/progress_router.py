"""The progress endpoint; ``quality.router`` includes it under its prefix."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.kit.deps import SessionDep
from prefhub.quality.progress import progress_report
from prefhub.quality.progress_schemas import ProgressOut

router = APIRouter()


@router.get("/progress", response_model=ProgressOut)
def get_progress(campaign: ManagedCampaign, session: SessionDep) -> ProgressOut:
    """Judgments over time (per hour, or per day once they span more than three days) against
    the judgments the campaign wants, throughput lately, the median time per judgment and gold
    accuracy over time."""
    # The report's fields are the response's, nested dataclasses included.
    return ProgressOut.model_validate(asdict(progress_report(session, campaign)))
