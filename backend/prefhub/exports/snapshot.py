"""The campaign as an export describes it: its config snapshot, minus what must stay private.

A crowd link's completion code is what annotators type into the crowd platform to get paid, and
its return URL often carries the same code; the qualification phase's screen-out code is what
those who did not pass are sent back with. A published dataset must not hand them out. The
manifest, the dataset card and the Croissant all read the campaign from this snapshot.
"""

from __future__ import annotations

import copy
from typing import Any

from prefhub.models import Campaign

REDACTED = "[redacted]"


def campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "version": campaign.version,
        "spec": public_spec(campaign.spec),
    }


def public_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of a campaign spec without the crowd link's completion code and return URL, nor
    the qualification phase's screen-out code.

    A code is replaced (the spec stays valid and shows there was one); the optional URL is
    dropped, since a placeholder would not be a URL.
    """
    public = copy.deepcopy(spec or {})
    crowd = (public.get("participation") or {}).get("crowd")
    if isinstance(crowd, dict):
        if "completion_code" in crowd:
            crowd["completion_code"] = REDACTED
        crowd.pop("completion_url", None)
    qualification = (public.get("quality") or {}).get("qualification")
    if isinstance(qualification, dict) and qualification.get("screen_out_code") is not None:
        qualification["screen_out_code"] = REDACTED
    return public
