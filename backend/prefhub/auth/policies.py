"""Who may do what, written so checks read as sentences: ``authorize(user, can_manage(c))``."""

from __future__ import annotations

from prefhub.auth.exceptions import NotAllowed
from prefhub.models import AnnotatorGroup, Campaign, ModelEndpoint, Role, User


def is_staff(user: User) -> bool:
    return user.role in (Role.admin, Role.researcher)


def can_create_campaigns(user: User) -> bool:
    return is_staff(user)


def can_manage_campaign(user: User, campaign: Campaign) -> bool:
    """Researchers see only their own campaigns; admins see all."""
    return user.role == Role.admin or (
        user.role == Role.researcher and campaign.owner_id == user.id
    )


def can_manage_model(user: User, endpoint: ModelEndpoint) -> bool:
    """Its owner and admins change a model endpoint and whom it is shared with."""
    return user.role == Role.admin or (
        user.role == Role.researcher and endpoint.created_by_id == user.id
    )


def can_manage_group(user: User, group: AnnotatorGroup) -> bool:
    """The researcher who created an annotator group and admins change it and see its members."""
    return user.role == Role.admin or (
        user.role == Role.researcher and group.created_by_id == user.id
    )


def can_share_models_with_all(user: User) -> bool:
    return user.role == Role.admin


def can_manage_users(user: User) -> bool:
    return user.role == Role.admin


def authorize(allowed: bool, message: str = "You are not allowed to do this") -> None:
    if not allowed:
        raise NotAllowed(message)
