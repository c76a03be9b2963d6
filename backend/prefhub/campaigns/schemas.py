from __future__ import annotations

from pydantic import BaseModel

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


class CampaignDetail(CampaignOut):
    spec: CampaignSpec


class CampaignList(BaseModel):
    campaigns: list[CampaignOut]
