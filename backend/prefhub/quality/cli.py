"""``prefhub quality``: a campaign's quality, as tables in the terminal (the same numbers the
REST endpoints and the admin page's Quality tab show). ``prefhub quality SLUG`` prints the
summary (``summary_cli``); the subcommands go into detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError
from prefhub.quality.cli_tables import standings_table
from prefhub.quality.summary_cli import SUMMARY, SlugOrCommand, summary

if TYPE_CHECKING:
    from rich.table import Table

    from prefhub.quality.leaderboard import Leaderboard

quality_app = typer.Typer(
    cls=SlugOrCommand,
    help="Campaign quality: `prefhub quality SLUG` for a summary, or a subcommand.",
    no_args_is_help=True,
)
quality_app.command(SUMMARY)(summary)


def register(app: typer.Typer) -> None:
    from prefhub.quality import reliability_cli
    from prefhub.quality.agreement_cli import agreement

    quality_app.command("agreement")(agreement)
    quality_app.command("annotators")(reliability_cli.annotators)
    quality_app.command("exclude")(reliability_cli.exclude)
    app.add_typer(quality_app, name="quality")


def _matrix(board: Leaderboard) -> Table:
    from rich.table import Table

    models = [s.model for s in board.standings]
    rates = {(c.model, c.opponent): c for c in board.matrix}
    table = Table(title="win rate of the row model against the column model (ties half)")
    table.add_column("")
    for model in models:
        table.add_column(model, justify="right")
    for row in models:
        cells = []
        for column in models:
            cell = rates.get((row, column))
            if row == column or cell is None or cell.win_rate is None:
                cells.append("·")
            else:
                cells.append(f"{cell.win_rate:.0%} ({cell.wins + cell.losses + cell.ties:g})")
        table.add_row(row, *cells)
    return table


@quality_app.command("leaderboard")
def leaderboard(
    slug: str,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="also a leaderboard per annotator group: a profile question's answer, or "
            "annotator_group",
        ),
    ] = None,
    round_: Annotated[
        int | None, typer.Option("--round", min=0, help="only items of this round")
    ] = None,
    question: Annotated[
        str | None,
        typer.Option(help="a pairwise or ranking question id; default the first pairwise one"),
    ] = None,
    include_simulated: Annotated[
        bool,
        typer.Option(help="count simulated annotators in a campaign that also has human work"),
    ] = False,
) -> None:
    """Bradley-Terry model strengths with bootstrap 95% intervals and the win-rate matrix."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality import service

    try:
        with unit_of_work(read_only=True) as session:
            report = service.leaderboard_report(
                session,
                get_by_slug(session, slug),
                question=question,
                round_=round_,
                group_by=group_by,
                include_simulated=include_simulated,
            )
    except PrefhubError as exc:
        details = exc.details.get("fields") if isinstance(exc.details, dict) else None
        hint = [f"group by one of: {', '.join(details)}"] if details else None
        raise fail(exc.message, hint) from None
    if report.question is None:
        console.print(f"{slug} has no pairwise or ranking question: no leaderboard")
        return
    scope = f"round {report.round}" if report.round is not None else "all rounds"
    note = {"excluded": ", simulated annotators left out", "included": ", simulated included"}
    console.print(
        f"[bold]{slug}[/] · question {report.question} · {scope}{note.get(report.simulated, '')}"
    )
    console.print(standings_table("overall", report.overall))
    if report.overall.standings:
        console.print(_matrix(report.overall))
    for group in report.groups:
        title = f"{report.group_by} = {group.group} · {group.annotators} annotators"
        console.print(standings_table(title, group.board))
