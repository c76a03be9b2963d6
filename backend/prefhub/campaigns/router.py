from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from prefhub.auth.dependencies import ManagedCampaign, ManagedCampaignForUpdate, StaffUser
from prefhub.campaigns import service
from prefhub.campaigns.exceptions import CampaignExists, SpecNoLongerValid
from prefhub.campaigns.schemas import (
    CampaignDetail,
    CampaignList,
    CampaignOut,
    CampaignProgress,
)
from prefhub.campaigns.spec import CampaignSpec
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


def _out(campaign: Campaign, progress: service.Progress) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "status": campaign.status,
        "version": campaign.version,
        "redundancy": campaign.spec.get("redundancy", 1),
        "created_at": campaign.created_at,
        "progress": CampaignProgress(**progress.__dict__),
    }


def _detail(session: SessionDep, campaign: Campaign) -> CampaignDetail:
    progress = service.progress(session, [campaign])[campaign.id]
    return CampaignDetail(**_out(campaign, progress), spec=service.spec_of(campaign))


@router.get("", response_model=CampaignList)
def list_campaigns(user: StaffUser, session: SessionDep) -> CampaignList:
    campaigns = service.visible_campaigns(session, user)
    progress = service.progress(session, campaigns)
    return CampaignList(campaigns=[CampaignOut(**_out(c, progress[c.id])) for c in campaigns])


@router.post(
    "",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
    responses=errors(CampaignExists),
)
def create_campaign(spec: CampaignSpec, user: StaffUser, session: SessionDep) -> CampaignDetail:
    return _detail(session, service.create_campaign(session, spec, user))


@router.get("/{slug}", response_model=CampaignDetail, responses=errors(SpecNoLongerValid))
def get_campaign(campaign: ManagedCampaign, session: SessionDep) -> CampaignDetail:
    return _detail(session, campaign)


@router.put("/{slug}/spec", response_model=CampaignDetail, responses=errors(CampaignExists))
def update_spec(
    campaign: ManagedCampaignForUpdate, spec: CampaignSpec, user: StaffUser, session: SessionDep
) -> CampaignDetail:
    return _detail(session, service.update_spec(session, campaign, spec, user))
