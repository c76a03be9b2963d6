from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Response, status

from prefhub.auth.dependencies import ManagedCampaign, ManagedCampaignForUpdate, StaffUser
from prefhub.campaigns import deletion, lifecycle, service
from prefhub.campaigns.exceptions import (
    CampaignClosed,
    CampaignExists,
    CampaignNotDeletable,
    CampaignNotEmpty,
    ConfirmationMismatch,
    InvalidTransition,
    SpecNoLongerValid,
)
from prefhub.campaigns.schemas import (
    CampaignContents,
    CampaignDetail,
    CampaignList,
    CampaignOut,
    CampaignProgress,
    NewCampaign,
    StatusChange,
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
    return CampaignDetail(
        **_out(campaign, progress),
        spec=service.spec_of(campaign),
        contents=CampaignContents(**asdict(deletion.contents(session, campaign))),
        transitions=list(lifecycle.TRANSITIONS[campaign.status]),
        deletable=campaign.status in lifecycle.DELETABLE,
    )


@router.get("", response_model=CampaignList)
def list_campaigns(
    user: StaffUser,
    session: SessionDep,
    include_archived: bool = Query(False, description="list archived campaigns too"),
) -> CampaignList:
    """The caller's campaigns (every campaign for an admin) in every status but archived."""
    campaigns = service.visible_campaigns(session, user, include_archived=include_archived)
    progress = service.progress(session, campaigns)
    return CampaignList(campaigns=[CampaignOut(**_out(c, progress[c.id])) for c in campaigns])


@router.post(
    "",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
    responses=errors(CampaignExists),
)
def create_campaign(body: NewCampaign, user: StaffUser, session: SessionDep) -> CampaignDetail:
    """A new campaign, ``active`` unless the body says ``"status": "draft"``."""
    campaign = service.create_campaign(session, body.spec(), user, status=body.status)
    return _detail(session, campaign)


@router.get("/{slug}", response_model=CampaignDetail, responses=errors(SpecNoLongerValid))
def get_campaign(campaign: ManagedCampaign, session: SessionDep) -> CampaignDetail:
    return _detail(session, campaign)


@router.put(
    "/{slug}/spec", response_model=CampaignDetail, responses=errors(CampaignExists, CampaignClosed)
)
def update_spec(
    campaign: ManagedCampaignForUpdate, spec: CampaignSpec, user: StaffUser, session: SessionDep
) -> CampaignDetail:
    return _detail(session, service.update_spec(session, campaign, spec, user))


@router.post("/{slug}/status", response_model=CampaignDetail, responses=errors(InvalidTransition))
def change_status(
    campaign: ManagedCampaignForUpdate, body: StatusChange, session: SessionDep
) -> CampaignDetail:
    """Move the campaign along its lifecycle: draft → active ⇄ paused → closed → archived
    (a closed campaign may be reopened, an archived one closed again). 409
    ``invalid_transition`` names the statuses the campaign may take from where it is."""
    return _detail(session, lifecycle.change_status(session, campaign, body.status))


@router.delete(
    "/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(CampaignNotDeletable, CampaignNotEmpty, ConfirmationMismatch),
)
def delete_campaign(
    campaign: ManagedCampaignForUpdate,
    session: SessionDep,
    confirm: str | None = Query(None, description="the campaign's slug, to delete what it holds"),
    judgments: int | None = Query(
        None, ge=0, description="with confirm: the campaign's current judgment count"
    ),
) -> Response:
    """Delete a draft or archived campaign with its items and everything else it holds. One
    holding judgments, trees or exports answers 409 ``campaign_not_empty`` with their counts,
    unless ``confirm`` names its slug and ``judgments`` its current judgment count (409
    ``confirmation_mismatch`` when either differs)."""
    deletion.delete_campaign(session, campaign, confirm_slug=confirm, confirm_judgments=judgments)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
