"""``prefhub export``: a dataset written by the export job's own code, in this process."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from prefhub.cli.common import console, fail, progress
from prefhub.kit.errors import PrefhubError


def register(app: typer.Typer) -> None:
    app.command()(export)


def export(
    slug: str,
    out: Annotated[Path, typer.Option(help="folder to create (must not exist)")],
    format: Annotated[
        str,
        typer.Option(
            help="dpo, reward, kto, ranking, ratings, feedback, judgments (raw), annotators; "
            "tree campaigns: trees, dpo, ranking, kto, annotators"
        ),
    ] = "dpo",
    standard: Annotated[bool, typer.Option(help="TRL standard form (strings)")] = False,
    parquet: Annotated[bool, typer.Option(help="write Parquet instead of JSONL")] = False,
    aggregation: Annotated[
        str, typer.Option(help="none (a row per judgment), majority, bradley_terry, ranked_pairs")
    ] = "none",
    drop_ties: Annotated[bool, typer.Option(help="drop rows that carry a tie")] = False,
    min_agreement: Annotated[
        float | None, typer.Option(help="drop items whose annotators agree less (0..1)")
    ] = None,
    kto_from_preferences: Annotated[
        bool, typer.Option(help="kto: also rows from pairwise and ranking answers")
    ] = False,
    profiles: Annotated[
        bool, typer.Option(help="include the annotators' profile answers in rows")
    ] = False,
    salt: Annotated[str, typer.Option(help="salt for pseudonymous annotator ids")] = "",
    round_: Annotated[
        list[int] | None,
        typer.Option("--round", help="only judgments of candidates from this round (repeatable)"),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="only judgments whose candidates all come from these"),
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="only items in this language")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="only judgments made at or after this time (UTC)")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="only judgments made before this time (UTC)")
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(help="only annotators whose profile answers QUESTION=VALUE (repeatable)"),
    ] = None,
    include_gold: Annotated[bool, typer.Option(help="keep gold / attention-check items")] = False,
    tree_state: Annotated[
        list[str] | None,
        typer.Option(help="tree campaigns: trees in this state (repeatable; ready_for_export)"),
    ] = None,
) -> None:
    """Export a dataset (runs the same job code as the worker, in this process)."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import service
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.tasks import execute_export
    from prefhub.kit.db import unit_of_work

    groups: dict[str, list[str]] = {}
    for condition in group or []:
        question, sep, value = condition.partition("=")
        if not sep or not question or not value:
            raise fail(f"--group takes QUESTION=VALUE, not {condition!r}")
        groups.setdefault(question, []).append(value)
    try:
        options = ExportOptions(
            format=format,  # type: ignore[arg-type]
            conversational=not standard,
            file_format="parquet" if parquet else "jsonl",
            aggregation=aggregation,  # type: ignore[arg-type]
            drop_ties=drop_ties,
            min_agreement=min_agreement,
            kto_from_preferences=kto_from_preferences,
            include_profiles=profiles,
            salt=salt,
            rounds=round_ or None,
            models=model or None,
            languages=language or None,
            created_from=since,
            created_to=until,
            annotator_groups=groups or None,
            include_gold=include_gold,
            tree_states=tree_state or None,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise fail(f"bad export options: {exc.errors()[0]['msg']}") from None
    try:
        # Before the job exists: a refused destination leaves no failed job behind.
        service.check_destination(out)
        with unit_of_work() as session:
            job_id = service.create_job(session, get_by_slug(session, slug), None, options).id
        with progress() as bar:
            task = bar.add_task(f"exporting {slug} as {format}", total=None)
            job = execute_export(
                job_id, out, lambda done, total: bar.update(task, completed=done, total=total)
            )
    except PrefhubError as exc:
        raise fail(exc.message) from None
    assert job is not None
    console.print(f"wrote {job.row_count} rows to {out}")
    for f in job.files:
        console.print(f"  {f['name']}  {f['size']} bytes  sha256 {f['sha256'][:16]}…")
