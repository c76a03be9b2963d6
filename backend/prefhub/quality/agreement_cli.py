"""``prefhub quality agreement``: the agreement report as tables (the endpoint's numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

if TYPE_CHECKING:
    from prefhub.quality.agreement import Agreement


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" if percent else f"{value:.3f}"


def _cells(found: Agreement) -> list[str]:
    return [_number(found.alpha), _number(found.raw, True), str(found.units), str(found.values)]


STATS = ("alpha", "raw agreement", "units", "answers")


def agreement(
    slug: str,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="also per annotator group: a profile question's answer, or annotator_group",
        ),
    ] = None,
    bucket: Annotated[
        str, typer.Option(help="timeline buckets: day, week or month (UTC)")
    ] = "week",
    include_simulated: Annotated[
        bool,
        typer.Option(help="count simulated annotators in a campaign that also has human work"),
    ] = False,
) -> None:
    """Krippendorff's alpha and raw pairwise agreement per question, over time and per group."""
    from rich.table import Table

    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality import agreement_service

    if bucket not in ("day", "week", "month"):
        raise fail(f"--bucket must be day, week or month, not '{bucket}'")
    try:
        with unit_of_work(read_only=True) as session:
            report = agreement_service.agreement_report(
                session,
                get_by_slug(session, slug),
                group_by=group_by,
                include_simulated=include_simulated,
                bucket=bucket,  # type: ignore[arg-type]
            )
    except PrefhubError as exc:
        details = exc.details.get("fields") if isinstance(exc.details, dict) else None
        hint = [f"group by one of: {', '.join(details)}"] if details else None
        raise fail(exc.message, hint) from None
    note = {"excluded": ", simulated annotators left out", "included": ", simulated included"}
    console.print(f"[bold]{slug}[/] · {report.judgments} judgments{note.get(report.simulated, '')}")
    table = Table(title="agreement per question")
    for column in ("measure", "level", *STATS):
        table.add_column(column, justify="left" if column in ("measure", "level") else "right")
    for m in report.measures:
        table.add_row(m.measure.id, m.measure.level, *_cells(m.found))
    console.print(table)
    if report.timeline:
        table = Table(title=f"alpha per {bucket} (units completed in it)")
        for column in ("from", "measure", *STATS):
            table.add_column(column, justify="left" if column in ("from", "measure") else "right")
        for p in report.timeline:
            table.add_row(p.start, p.measure, *_cells(p.found))
        console.print(table)
    if report.groups:
        table = Table(title=f"agreement within each {report.group_by} group")
        for column in ("group", "annotators", "measure", *STATS):
            table.add_column(column, justify="left" if column in ("group", "measure") else "right")
        for g in report.groups:
            table.add_row(g.group, str(g.annotators), g.measure, *_cells(g.found))
        console.print(table)
