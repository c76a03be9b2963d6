"""``prefhub simulate``: synthetic annotators, to try a campaign end to end."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from prefhub.cli.common import console, fail, progress
from prefhub.kit.errors import PrefhubError

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    app.command()(simulate)


def simulate(
    slug: str,
    annotators: Annotated[int, typer.Option(min=1)] = 9,
    judgments: Annotated[int, typer.Option(min=1)] = 100,
    seed: int = 0,
    force: Annotated[
        bool, typer.Option(help="simulate in production anyway (logged; its judgments are fake)")
    ] = False,
) -> None:
    """Synthetic annotators from latent preference groups submit judgments."""
    from prefhub.settings import get_settings
    from prefhub.simulation.service import simulate as run

    if get_settings().environment == "production":
        if not force:
            raise fail(
                "simulate makes fake judgments; it is refused in production "
                "(--force to run it anyway)"
            )
        log.warning("simulate forced in production on campaign %s (%d judgments)", slug, judgments)

    try:
        with progress() as bar:
            task = bar.add_task(f"simulating on {slug}", total=judgments)
            result = run(
                slug,
                annotators=annotators,
                judgments=judgments,
                seed=seed,
                on_judgment=lambda n: bar.update(task, completed=n),
            )
    except PrefhubError as exc:
        raise fail(exc.message) from None
    note = " (no work left)" if result.exhausted and result.judgments < judgments else ""
    console.print(
        f"{result.annotators} simulated annotators made {result.judgments} judgments{note}"
    )
