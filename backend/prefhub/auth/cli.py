"""``prefhub users``: accounts, from the server's shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from prefhub.models import User

users_app = typer.Typer(help="Accounts.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help="admin, researcher or annotator")] = "annotator",
    password: Annotated[
        str | None, typer.Option(help="prompted for when omitted", show_default=False)
    ] = None,
    name: str = "",
) -> None:
    """Create an account (the password must pass the password policy)."""
    from prefhub.auth.passwords import check_password
    from prefhub.auth.service import create_user
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Role

    if role not in Role.__members__:
        raise fail(f"unknown role '{role}'; choose admin, researcher or annotator")
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password, [email, name])
        with unit_of_work() as session:
            user = create_user(
                session, email=email, password=password, role=Role(role), display_name=name
            )
            console.print(f"created {user.role.value} {user.email} (id {user.id})")
    except PrefhubError as exc:
        raise fail(exc.message) from None


@users_app.command("reset-password")
def users_reset_password(
    email: str,
    base_url: Annotated[
        str, typer.Option(help="the server's address, put before the link's path")
    ] = "",
) -> None:
    """Print a one-time link (valid 24 hours) for the user to choose a new password."""
    from prefhub.auth import service
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            user = service.get_user_by_email(session, email)
            row, token = service.issue_password_reset(session, user, None)
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print(
        f"password reset link for {user.email}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    # Printed unstyled and unwrapped: it is meant to be copied whole.
    print(f"{base_url.rstrip('/')}/reset-password#token={token}")


def _account_change(email: str, change: Callable[[Session, User], str]) -> None:
    from prefhub.auth import service
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            console.print(change(session, service.get_user_by_email(session, email)))
    except PrefhubError as exc:
        raise fail(exc.message) from None


@users_app.command("deactivate")
def users_deactivate(email: str) -> None:
    """Stop an account from signing in: its sessions end, its API tokens stop working."""
    from prefhub.auth.service import set_active

    def change(session: Session, user: User) -> str:
        set_active(session, user, False)
        return f"deactivated {user.email}"

    _account_change(email, change)


@users_app.command("activate")
def users_activate(email: str) -> None:
    """Let a deactivated account sign in again."""
    from prefhub.auth.service import set_active

    def change(session: Session, user: User) -> str:
        set_active(session, user, True)
        return f"activated {user.email}"

    _account_change(email, change)


@users_app.command("end-sessions")
def users_end_sessions(email: str) -> None:
    """Sign an account out of every browser."""
    from prefhub.auth.service import end_sessions

    def change(session: Session, user: User) -> str:
        return f"ended {end_sessions(session, user.id)} sessions of {user.email}"

    _account_change(email, change)


@users_app.command("set-role")
def users_set_role(email: str, role: str) -> None:
    """Make an account an admin, researcher or annotator (the last active admin stays one)."""
    from prefhub.auth.service import set_role
    from prefhub.models import Role

    if role not in Role.__members__:
        raise fail(f"unknown role '{role}'; choose admin, researcher or annotator")

    def change(session: Session, user: User) -> str:
        set_role(session, user, Role(role))
        return f"{user.email} is now {role}"

    _account_change(email, change)
