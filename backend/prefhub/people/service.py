"""Annotator groups: named sets of users that campaigns may be opened to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from prefhub.auth.service import normalise_email
from prefhub.kit.db import rowcount
from prefhub.models import AnnotatorGroup, AnnotatorGroupMember, User
from prefhub.people.exceptions import GroupExists, GroupNotFound, UnknownUsers


def list_groups(session: Session) -> list[tuple[AnnotatorGroup, int]]:
    """Every group with its number of members, by name."""
    counts = (
        select(AnnotatorGroupMember.group_id, func.count().label("n"))
        .group_by(AnnotatorGroupMember.group_id)
        .subquery()
    )
    rows = session.execute(
        select(AnnotatorGroup, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == AnnotatorGroup.id)
        .order_by(AnnotatorGroup.name)
    ).tuples()
    return list(rows)


def get_group(session: Session, group_id: int) -> AnnotatorGroup:
    group = session.get(AnnotatorGroup, group_id)
    if group is None:
        raise GroupNotFound(f"No group {group_id}")
    return group


def get_group_by_name(session: Session, name: str) -> AnnotatorGroup:
    group = session.scalar(select(AnnotatorGroup).where(AnnotatorGroup.name == name))
    if group is None:
        raise GroupNotFound(f"No group named '{name}'")
    return group


def _ensure_name_free(session: Session, name: str, *, but: int | None = None) -> None:
    query = select(AnnotatorGroup.id).where(AnnotatorGroup.name == name)
    if but is not None:
        query = query.where(AnnotatorGroup.id != but)
    if session.scalar(query) is not None:
        raise GroupExists(f"A group named '{name}' already exists")


def create_group(
    session: Session, name: str, description: str = "", *, created_by: User | None
) -> AnnotatorGroup:
    _ensure_name_free(session, name)
    group = AnnotatorGroup(
        name=name, description=description, created_by_id=created_by.id if created_by else None
    )
    session.add(group)
    session.flush()
    return group


def update_group(
    session: Session, group: AnnotatorGroup, *, name: str | None, description: str | None
) -> None:
    """Renaming a group does not rename it in campaign specs that name it: they stop matching."""
    if name is not None and name != group.name:
        _ensure_name_free(session, name, but=group.id)
        _forget_group_names(session)
        group.name = name
    if description is not None:
        group.description = description
    session.flush()


def delete_group(session: Session, group: AnnotatorGroup) -> None:
    _forget_group_names(session)
    session.delete(group)
    session.flush()


def members(session: Session, group_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(AnnotatorGroupMember, AnnotatorGroupMember.user_id == User.id)
            .where(AnnotatorGroupMember.group_id == group_id)
            .order_by(User.id)
        )
    )


def member_count(session: Session, group_id: int) -> int:
    query = select(func.count()).where(AnnotatorGroupMember.group_id == group_id)
    return session.scalar(query) or 0


def resolve_users(session: Session, refs: Sequence[str | int]) -> list[User]:
    """The users named by e-mail or id, in one query each kind; ``UnknownUsers`` lists the
    names no account has."""
    emails = {normalise_email(r) for r in refs if isinstance(r, str)}
    ids = {r for r in refs if isinstance(r, int)}
    found: dict[int, User] = {}
    if emails:
        found.update((u.id, u) for u in session.scalars(select(User).where(User.email.in_(emails))))
    if ids:
        found.update((u.id, u) for u in session.scalars(select(User).where(User.id.in_(ids))))
    known_emails = {u.email for u in found.values()}
    unknown = [
        r
        for r in refs
        if (r not in found if isinstance(r, int) else normalise_email(r) not in known_emails)
    ]
    if unknown:
        listed = ", ".join(str(r) for r in unknown[:10])
        raise UnknownUsers(f"No account for: {listed}", details={"unknown": unknown})
    return list(found.values())


def set_members(session: Session, group: AnnotatorGroup, users: Iterable[User]) -> None:
    """The group's members become exactly ``users``."""
    _forget_group_names(session)
    session.execute(delete(AnnotatorGroupMember).where(AnnotatorGroupMember.group_id == group.id))
    add_members(session, group, users)


def add_members(session: Session, group: AnnotatorGroup, users: Iterable[User]) -> int:
    """Add the users not yet members; how many were added."""
    _forget_group_names(session)
    present = set(
        session.scalars(
            select(AnnotatorGroupMember.user_id).where(AnnotatorGroupMember.group_id == group.id)
        )
    )
    new = {u.id for u in users} - present
    session.add_all(AnnotatorGroupMember(group_id=group.id, user_id=uid) for uid in sorted(new))
    session.flush()
    return len(new)


def remove_members(session: Session, group: AnnotatorGroup, users: Iterable[User]) -> int:
    _forget_group_names(session)
    ids = [u.id for u in users]
    query = delete(AnnotatorGroupMember).where(
        AnnotatorGroupMember.group_id == group.id, AnnotatorGroupMember.user_id.in_(ids)
    )
    return rowcount(session, query)


_GROUP_NAMES = "prefhub.group_names"


def cached_group_names(session: Session, user_id: int) -> frozenset[str]:
    """``group_names_of``, asked of the database once per session (a request) and user."""
    cache: dict[int, frozenset[str]] = session.info.setdefault(_GROUP_NAMES, {})
    if user_id not in cache:
        cache[user_id] = frozenset(group_names_of(session, user_id))
    return cache[user_id]


def _forget_group_names(session: Session) -> None:
    session.info.pop(_GROUP_NAMES, None)


def group_names_of(session: Session, user_id: int) -> list[str]:
    """The names of the groups a user is in (one query, for eligibility checks)."""
    return list(
        session.scalars(
            select(AnnotatorGroup.name)
            .join(AnnotatorGroupMember, AnnotatorGroupMember.group_id == AnnotatorGroup.id)
            .where(AnnotatorGroupMember.user_id == user_id)
            .order_by(AnnotatorGroup.name)
        )
    )
