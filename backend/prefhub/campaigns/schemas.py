from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

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
    created_at: datetime
    progress: CampaignProgress


class CampaignDetail(CampaignOut):
    spec: dict[str, Any]


class CampaignList(BaseModel):
    campaigns: list[CampaignOut]
