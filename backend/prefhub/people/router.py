"""Annotator groups. Admins manage every group. Researchers list every group (a campaign's
eligibility names groups, whoever made them), create groups, and see and change only the groups
they created: another's group is 404 ``group_not_found`` to them, as a campaign is. Also one
user's activity (``users_router``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from prefhub.auth.dependencies import StaffUser
from prefhub.auth.policies import can_manage_group
from prefhub.auth.service import get_user
from prefhub.kit.bounds import PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.errors import NotFound
from prefhub.kit.openapi import errors
from prefhub.models import AnnotatorGroup, Role, User
from prefhub.people import service
from prefhub.people.activity import activity_of
from prefhub.people.exceptions import GroupExists, GroupNotFound, UnknownUsers
from prefhub.people.schemas import (
    CampaignActivityOut,
    GroupCreate,
    GroupDetail,
    GroupMember,
    GroupOut,
    GroupUpdate,
    MembersSet,
    UserActivityOut,
)

router = APIRouter(prefix="/api/groups", tags=["groups"])
users_router = APIRouter(prefix="/api/users", tags=["auth"])


def get_managed_group(group_id: PathId, user: StaffUser, session: SessionDep) -> AnnotatorGroup:
    """The path's group, for the researcher who created it or an admin (else 404)."""
    group = service.get_group(session, group_id)
    if not can_manage_group(user, group):
        raise GroupNotFound(f"No group {group_id}")
    return group


ManagedGroup = Annotated[AnnotatorGroup, Depends(get_managed_group)]


def _summary(group: AnnotatorGroup, member_count: int, viewer: User) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        description=group.description,
        created_by_id=group.created_by_id,
        created_at=group.created_at,
        member_count=member_count,
        managed=can_manage_group(viewer, group),
    )


def _detail(session: SessionDep, group: AnnotatorGroup, viewer: User) -> GroupDetail:
    people = service.members(session, group.id)
    return GroupDetail(
        **_summary(group, len(people), viewer).model_dump(),
        members=[GroupMember.model_validate(u) for u in people],
    )


@router.get("", response_model=list[GroupOut])
def list_groups(user: StaffUser, session: SessionDep) -> list[GroupOut]:
    return [_summary(group, count, user) for group, count in service.list_groups(session)]


@router.post(
    "",
    response_model=GroupDetail,
    status_code=status.HTTP_201_CREATED,
    responses=errors(GroupExists),
)
def create_group(body: GroupCreate, user: StaffUser, session: SessionDep) -> GroupDetail:
    group = service.create_group(session, body.name, body.description, created_by=user)
    return _detail(session, group, user)


@router.get("/{group_id}", response_model=GroupDetail, responses=errors(GroupNotFound))
def get_group(group: ManagedGroup, user: StaffUser, session: SessionDep) -> GroupDetail:
    return _detail(session, group, user)


@router.patch(
    "/{group_id}", response_model=GroupDetail, responses=errors(GroupNotFound, GroupExists)
)
def update_group(
    body: GroupUpdate, group: ManagedGroup, user: StaffUser, session: SessionDep
) -> GroupDetail:
    """Renaming a group does not change the campaigns that name it: they stop matching it."""
    service.update_group(session, group, name=body.name, description=body.description)
    return _detail(session, group, user)


@router.delete(
    "/{group_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(GroupNotFound)
)
def delete_group(group: ManagedGroup, session: SessionDep) -> Response:
    service.delete_group(session, group)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{group_id}/members",
    response_model=GroupDetail,
    responses=errors(GroupNotFound, UnknownUsers),
)
def set_members(
    body: MembersSet, group: ManagedGroup, user: StaffUser, session: SessionDep
) -> GroupDetail:
    """The members become exactly the users named (by e-mail or id); a name no account has
    refuses the whole list (422 ``unknown_users``, ``details.unknown`` lists them)."""
    service.set_members(session, group, service.resolve_users(session, body.members))
    return _detail(session, group, user)


@users_router.get("/{user_id}/activity", response_model=UserActivityOut)
def user_activity(user_id: PathId, user: StaffUser, session: SessionDep) -> UserActivityOut:
    """What the user did: per campaign, their judgments, revisions, median time per judgment,
    first and last judgment; their groups and when they were last seen. Admins see everything;
    a researcher sees only the user's work in the researcher's own campaigns, and a user who
    did none there is 404 to them, as a user that does not exist."""
    target = get_user(session, user_id)
    activity = activity_of(
        session, target, campaigns_of=None if user.role == Role.admin else user.id
    )
    if user.role != Role.admin and not activity.campaigns:
        raise NotFound(f"No user {user_id}")
    return UserActivityOut(
        user=GroupMember.model_validate(target),
        groups=activity.groups,
        campaigns=[CampaignActivityOut.model_validate(c) for c in activity.campaigns],
        judgments=sum(c.judgments for c in activity.campaigns),
        last_seen_at=activity.last_seen_at,
    )
