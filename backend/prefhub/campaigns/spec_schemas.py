"""Responses of the spec routes that are not about one campaign: a spec's check, the templates."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from prefhub.campaigns.spec import CampaignSpec


class SpecValidation(BaseModel):
    """A valid spec, as it will be stored: every default filled in."""

    valid: Literal[True] = True
    spec: CampaignSpec
