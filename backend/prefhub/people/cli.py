"""``prefhub groups``: annotator groups, from the server's shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

groups_app = typer.Typer(help="Annotator groups.", no_args_is_help=True)

Members = Annotated[list[str], typer.Argument(help="e-mails or user ids", show_default=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(groups_app, name="groups")


def _in_session(work: Callable[[Session], str]) -> None:
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            console.print(work(session))
    except PrefhubError as exc:
        raise fail(exc.message) from None


def _refs(members: list[str]) -> list[str | int]:
    return [int(m) if m.isdigit() else m for m in members]


@groups_app.command("create")
def groups_create(name: str, description: str = "") -> None:
    """Create a group (no one in it yet)."""
    from prefhub.people import service

    def work(session: Session) -> str:
        group = service.create_group(session, name, description, created_by=None)
        return f"created group {group.name} (id {group.id})"

    _in_session(work)


@groups_app.command("list")
def groups_list() -> None:
    """Every group and how many members it has."""
    from prefhub.people import service

    def work(session: Session) -> str:
        rows = service.list_groups(session)
        return "\n".join(f"{g.name}: {n} members" for g, n in rows) or "no groups"

    _in_session(work)


@groups_app.command("add")
def groups_add(name: str, members: Members) -> None:
    """Add users to a group."""
    from prefhub.people import service

    def work(session: Session) -> str:
        group = service.get_group_by_name(session, name)
        added = service.add_members(session, group, service.resolve_users(session, _refs(members)))
        return f"added {added} to {group.name}"

    _in_session(work)


@groups_app.command("remove")
def groups_remove(name: str, members: Members) -> None:
    """Take users out of a group."""
    from prefhub.people import service

    def work(session: Session) -> str:
        group = service.get_group_by_name(session, name)
        users = service.resolve_users(session, _refs(members))
        return f"removed {service.remove_members(session, group, users)} from {group.name}"

    _in_session(work)


@groups_app.command("delete")
def groups_delete(name: str) -> None:
    """Delete a group (its members' accounts stay)."""
    from prefhub.people import service

    def work(session: Session) -> str:
        service.delete_group(session, service.get_group_by_name(session, name))
        return f"deleted group {name}"

    _in_session(work)
