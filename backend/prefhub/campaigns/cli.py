"""``prefhub campaigns``: campaigns from a YAML spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError

from prefhub.cli.common import console, fail, field_errors
from prefhub.kit.errors import PrefhubError
from prefhub.models.campaign import CampaignStatus

campaigns_app = typer.Typer(help="Campaigns.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(campaigns_app, name="campaigns")


@campaigns_app.command("create")
def campaigns_create(
    spec_file: Path,
    owner: Annotated[str | None, typer.Option(help="owner e-mail (default: first admin)")] = None,
    status: Annotated[
        CampaignStatus, typer.Option(help="draft (researchers only) or active")
    ] = CampaignStatus.active,
) -> None:
    """Create a campaign from a YAML (or JSON) spec."""
    from sqlalchemy import select

    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.kit.db import unit_of_work
    from prefhub.kit.json_input import JsonRefused, check_value
    from prefhub.models import Role, User

    try:
        raw = yaml.safe_load(spec_file.read_text("utf-8"))
        check_value(raw, "")
        spec = CampaignSpec.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise fail(f"cannot read {spec_file}: {exc}") from None
    except JsonRefused as exc:
        raise fail(f"{spec_file} is not a valid campaign spec: {exc.message}") from None
    except ValidationError as exc:
        raise fail(f"{spec_file} is not a valid campaign spec", field_errors(exc)) from None
    with unit_of_work() as session:
        query = select(User).order_by(User.id)
        query = query.where(User.email == owner) if owner else query.where(User.role == Role.admin)
        user = session.scalar(query)
        if user is None:
            raise fail(f"no user {owner}" if owner else "no admin exists; pass --owner")
        try:
            campaign = create_campaign(session, spec, user, status=status)
        except PrefhubError as exc:
            raise fail(exc.message) from None
        console.print(f"created {status.value} campaign '{campaign.slug}' (id {campaign.id})")


@campaigns_app.command("status")
def campaigns_status(slug: str, status: CampaignStatus) -> None:
    """Move a campaign along its lifecycle (draft, active, paused, closed, archived)."""
    from prefhub.campaigns.lifecycle import change_status
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug, for_update=True)
            before = campaign.status
            change_status(session, campaign, status)
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print(f"campaign '{slug}': {before.value} -> {status.value}")


@campaigns_app.command("delete")
def campaigns_delete(
    slug: str,
    yes: Annotated[
        bool, typer.Option("--yes", help="also delete its judgments, trees and exports")
    ] = False,
    judgments: Annotated[
        int | None, typer.Option(help="with --yes: its current judgment count, to confirm")
    ] = None,
) -> None:
    """Delete a draft or archived campaign. One holding judgments, trees or exports needs
    --yes and --judgments N, its current judgment count."""
    from prefhub.campaigns.deletion import delete_campaign
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug, for_update=True)
            deleted = delete_campaign(
                session,
                campaign,
                confirm_slug=slug if yes else None,
                confirm_judgments=judgments if yes else None,
            )
    except PrefhubError as exc:
        counts = exc.details if isinstance(exc.details, dict) else {}
        raise fail(exc.message, [f"{name}: {n}" for name, n in counts.items()]) from None
    console.print(
        f"deleted campaign '{slug}' ({deleted.items} item(s), {deleted.judgments} judgment(s), "
        f"{deleted.trees} tree(s), {deleted.exports} export(s))"
    )
