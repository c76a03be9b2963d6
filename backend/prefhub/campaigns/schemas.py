from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from prefhub.campaigns.spec import CampaignSpec
from prefhub.kit.time import UtcDatetime
from prefhub.models import CampaignStatus


class CampaignProgress(BaseModel):
    items: int
    items_complete: int
    judgments: int
    judgments_target: int


class CampaignOut(BaseModel):
    id: int
    slug: str
    name: str
    status: CampaignStatus
    version: int
    redundancy: int
    created_at: UtcDatetime
    progress: CampaignProgress


class CampaignContents(BaseModel):
    """What deleting the campaign would destroy (its delete confirmation names these)."""

    items: int
    judgments: int
    trees: int
    exports: int


class CampaignDetail(CampaignOut):
    spec: CampaignSpec
    contents: CampaignContents
    transitions: list[CampaignStatus] = Field(
        description="the statuses it may move to now (POST /api/campaigns/{slug}/status)"
    )
    deletable: bool = Field(description="draft or archived: DELETE /api/campaigns/{slug} may")


class CampaignList(BaseModel):
    campaigns: list[CampaignOut]


class NewCampaign(CampaignSpec):
    """A campaign spec, and the status the campaign starts in."""

    status: Literal[CampaignStatus.draft, CampaignStatus.active] = Field(
        default=CampaignStatus.active,
        description="draft: only its researchers see it (the preview works) until activated",
    )

    def spec(self) -> CampaignSpec:
        return CampaignSpec.model_validate(self.model_dump(exclude={"status"}))


class StatusChange(BaseModel):
    status: CampaignStatus
