"""``prefhub quality SLUG``: the campaign's quality summary as tables (what the admin page's
Quality tab shows), and the group that sends a first argument naming no subcommand there."""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from rich.table import Table

    from prefhub.quality.summary import QualitySummary

SUMMARY = "summary"


class SlugOrCommand(TyperGroup):
    """``prefhub quality SLUG`` is ``prefhub quality summary SLUG``: a first argument that
    names no subcommand (and is no option) is taken for a campaign's slug."""

    # Typed loosely: typer's group takes its vendored click's Context, not click's.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = [SUMMARY, *args]
        return super().resolve_command(ctx, args)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    return table


def _share(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def summary(ctx: typer.Context, slug: str) -> None:
    """Progress, leaderboard, agreement per question, gold accuracy and annotator standings."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality.summary import quality_summary

    try:
        with unit_of_work(read_only=True) as session:
            found = quality_summary(session, get_by_slug(session, slug))
    except PrefhubError as exc:
        group = ctx.parent.command if ctx.parent is not None else None
        commands = list(getattr(group, "commands", {}))
        raise fail(exc.message, _subcommand_hint(slug, commands)) from None
    _print(slug, found)


def _subcommand_hint(slug: str, names: list[str]) -> list[str]:
    """What a mistyped subcommand (taken for a slug) may have meant."""
    commands = sorted(name for name in names if name != SUMMARY)
    close = get_close_matches(slug, commands, n=1)
    if close:
        return [f"did you mean the subcommand '{close[0]}'?"]
    return [f"or one of the subcommands: {', '.join(commands)}"]


def _print(slug: str, found: QualitySummary) -> None:
    from prefhub.quality.cli_tables import standings_table

    p = found.progress
    console.print(f"[bold]{slug}[/] · quality summary")
    target = f"{p.judgments} of {p.judgments_target}"
    if p.judgments_target:
        target += f" ({p.judgments / p.judgments_target:.0%})"
    t = p.throughput
    console.print(
        _table(
            "progress",
            ("measure", "value"),
            [
                ("items complete", f"{p.items_complete} of {p.items}"),
                ("judgments", target),
                ("judgments in the last hour", t.judgments_last_hour),
                ("judgments per hour, last day", f"{t.judgments_per_hour_last_day:g}"),
                (
                    "annotators in the last hour / day",
                    f"{t.annotators_last_hour} / {t.annotators_last_day}",
                ),
                ("median seconds per judgment", p.median_seconds),
            ],
        )
    )
    board = found.leaderboard
    if board.question is not None and board.overall.standings:
        console.print(standings_table(f"leaderboard of “{board.question}”", board.overall))
    else:
        console.print("no leaderboard: no pairwise or ranking judgments between named models")
    console.print(
        _table(
            f"agreement per question ({found.agreement.judgments} judgments)",
            ("measure", "level", "alpha", "raw agreement", "units"),
            [
                (
                    m.measure.id,
                    m.measure.level,
                    None if m.found.alpha is None else f"{m.found.alpha:.3f}",
                    _share(m.found.raw),
                    m.found.units,
                )
                for m in found.agreement.measures
            ],
        )
    )
    gold = found.gold
    checked = gold.annotators
    console.print(
        _table(
            "gold accuracy",
            ("measure", "value"),
            [
                ("gold items", gold.gold_items),
                ("scored gold judgments", p.gold_judged),
                ("mean accuracy", _share(p.gold_accuracy)),
                ("annotators checked", len(checked)),
                ("lowest annotator accuracy", _share(checked[0].accuracy) if checked else None),
            ],
        )
    )
    console.print(
        _table(
            "annotators",
            ("standing", "annotators"),
            [*found.standings.items(), ("with a reliability score", found.scored)],
        )
    )
    if found.lowest:
        console.print(
            _table(
                "lowest reliability scores",
                ("annotator id", "score", "judgments", "group"),
                [(a.user_id, f"{a.score:.2f}", a.judgments, a.group) for a in found.lowest],
            )
        )
