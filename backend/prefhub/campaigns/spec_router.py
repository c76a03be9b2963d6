"""Specs before they are a campaign: check one (every problem at its field) and the templates."""

from __future__ import annotations

from fastapi import APIRouter

from prefhub.auth.dependencies import StaffUser
from prefhub.campaigns.spec import CampaignSpec
from prefhub.campaigns.spec_schemas import SpecValidation
from prefhub.campaigns.templates import TEMPLATES, SpecTemplate

router = APIRouter(prefix="/api/campaign-specs", tags=["campaigns"])


@router.post("/validate", response_model=SpecValidation)
def validate_spec(spec: CampaignSpec, _: StaffUser) -> SpecValidation:
    """The spec with its defaults filled in; a 422 lists every problem with its field path."""
    return SpecValidation(spec=spec)


@router.get("/templates", response_model=list[SpecTemplate])
def list_templates(_: StaffUser) -> list[SpecTemplate]:
    """Starting points for the common study types, each with a sample item to preview it on."""
    return TEMPLATES
