"""``prefhub seed-demo``: the demo accounts and campaigns of ``make run``."""

from __future__ import annotations

from typing import Annotated

import typer

from prefhub.cli.common import console, fail


def register(app: typer.Typer) -> None:
    app.command("seed-demo")(seed_demo)


def seed_demo(
    force: Annotated[bool, typer.Option(help="seed even in production")] = False,
) -> None:
    """Create the demo accounts (password 'demo') and the demo campaign. Never in production."""
    from prefhub.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from prefhub.kit.db import unit_of_work
    from prefhub.settings import get_settings

    if get_settings().environment == "production" and not force:
        raise fail("refusing to create demo accounts with a known password in production")
    with unit_of_work() as session:
        result = seed_demo(session)
    for email in result.users_created:
        console.print(f"created demo user {email} (password '{DEMO_PASSWORD}')")
    if result.campaigns_created:
        names = ", ".join(f"'{slug}'" for slug in result.campaigns_created)
        console.print(f"created campaigns {names} ({result.items_imported} items in all)")
    if result.feedback_events:
        console.print(
            f"created feedback source 'demo-chat' ({result.feedback_events} in-situ events)"
        )
    if not (result.users_created or result.campaigns_created or result.feedback_events):
        console.print("demo already seeded")
    console.print(
        "demo accounts: " + ", ".join(e for e, _ in DEMO_USERS) + f" / password '{DEMO_PASSWORD}'"
    )
