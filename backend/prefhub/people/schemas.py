from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from prefhub.kit.time import UtcDatetime
from prefhub.models import Role

# Campaign specs name groups by it: no leading or trailing blank.
GroupName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]
Description = Annotated[str, Field(max_length=2000)]
# A member is named by e-mail or by user id (crowd participants have no e-mail).
MemberRef = Annotated[str, Field(min_length=1, max_length=320)] | Annotated[int, Field(ge=1)]


class GroupCreate(BaseModel):
    name: GroupName
    description: Description = ""


class GroupUpdate(BaseModel):
    name: GroupName | None = None
    description: Description | None = None


class MembersSet(BaseModel):
    members: list[MemberRef] = Field(max_length=10_000)


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    created_by_id: int | None
    created_at: UtcDatetime
    member_count: int
    # Whether the viewer may see its members and change it (admins, and the researcher who made it).
    managed: bool


class GroupMember(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    display_name: str
    role: Role
    is_active: bool


class GroupDetail(GroupOut):
    members: list[GroupMember]


class CampaignActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    judgments: int
    revisions: int
    median_time_ms: int | None
    first_judgment_at: UtcDatetime | None
    last_judgment_at: UtcDatetime | None


class UserActivityOut(BaseModel):
    user: GroupMember
    # Empty for a researcher, who sees only what happened in their own campaigns.
    groups: list[str]
    campaigns: list[CampaignActivityOut]
    judgments: int
    # The latest of: a judgment, a sign-in, an API token's use (for a researcher, only the
    # latest judgment in their campaigns).
    last_seen_at: UtcDatetime | None
