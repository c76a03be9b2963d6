"""``prefhub media prune``: delete stored media bytes that nothing records."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from prefhub.cli.common import console

media_app = typer.Typer(help="Media store upkeep.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(media_app, name="media")


@media_app.command("prune")
def prune(
    older_than: Annotated[
        float,
        typer.Option(
            min=0, help="hours: only bytes written longer ago (an import may still be recording)"
        ),
    ] = 24,
    dry_run: Annotated[bool, typer.Option(help="list them, delete nothing")] = False,
) -> None:
    """Delete media bytes no media record names: what refused imports and rolled-back
    generations stored before their transaction failed."""
    from prefhub.kit.db import unit_of_work
    from prefhub.media.pruning import prune_unrecorded

    with unit_of_work() as session:
        report = prune_unrecorded(session, timedelta(hours=older_than), dry_run=dry_run)
    verb = "deleted" if report.deleted else "would delete"
    console.print(
        f"{verb} {len(report.unrecorded)} of {report.checked} stored files "
        f"written over {older_than:g} h ago that no media record names"
    )
    for key in report.unrecorded:
        console.print(f"  {key}", markup=False)
