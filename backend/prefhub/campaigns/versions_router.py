"""A campaign's spec versions: the list, one version's spec, the diff of two, and a check of a
new spec (its changes and the stored answers it would invalidate) that saves nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from prefhub.auth.dependencies import ManagedCampaign
from prefhub.campaigns import versions
from prefhub.campaigns.spec import CampaignSpec
from prefhub.campaigns.version_errors import VersionNotFound
from prefhub.campaigns.version_schemas import (
    SpecCheckOut,
    SpecDiff,
    VersionList,
    VersionOut,
    VersionSpec,
)
from prefhub.kit.bounds import INT32_MAX
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors

router = APIRouter(prefix="/api/campaigns/{slug}", tags=["campaigns"])

VersionQuery = Annotated[int, Query(ge=1, le=INT32_MAX)]


@router.get("/versions", response_model=VersionList)
def list_versions(campaign: ManagedCampaign, session: SessionDep) -> VersionList:
    """Every spec version, oldest first, with the judgments made under each."""
    summaries = versions.list_versions(session, campaign)
    return VersionList(
        current=campaign.version,
        versions=[VersionOut.model_validate(v) for v in summaries],
    )


# Declared before /versions/{version}, which would otherwise take "diff" for a version.
@router.get("/versions/diff", response_model=SpecDiff, responses=errors(VersionNotFound))
def diff_versions(
    campaign: ManagedCampaign,
    session: SessionDep,
    from_version: VersionQuery,
    to_version: VersionQuery,
) -> SpecDiff:
    """What changed from one version's spec to another's; questions matched by id."""
    old = versions.get_version(session, campaign, from_version)
    new = versions.get_version(session, campaign, to_version)
    return SpecDiff.model_validate(
        {
            "from_version": from_version,
            "to_version": to_version,
            "changes": versions.diff_specs(
                versions.with_defaults(old.spec), versions.with_defaults(new.spec)
            ),
        },
        from_attributes=True,
    )


@router.get("/versions/{version}", response_model=VersionSpec, responses=errors(VersionNotFound))
def get_version(
    campaign: ManagedCampaign,
    session: SessionDep,
    version: Annotated[int, Path(ge=1, le=INT32_MAX)],
) -> VersionSpec:
    return VersionSpec.model_validate(versions.get_version(session, campaign, version))


@router.post("/spec/check", response_model=SpecCheckOut)
def check_spec(campaign: ManagedCampaign, spec: CampaignSpec, session: SessionDep) -> SpecCheckOut:
    """What saving ``spec`` (``PUT /spec``) would change against the current version, and the
    stored answers it would no longer accept, each with how many judgments; nothing is saved.
    An invalid spec is a 422 listing every problem with its field."""
    check = versions.check_spec(session, campaign, spec)
    return SpecCheckOut.model_validate(
        {**check.__dict__, "current_version": campaign.version}, from_attributes=True
    )
