"""``prefhub export``: a dataset written by the export job's own code, in this process; and
``prefhub exports backfill``: the export JSON of items and candidates written before it was
stored; ``prefhub exports redact``: completion codes out of exports written before they were
kept out."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from prefhub.cli.common import console, fail, progress
from prefhub.kit.errors import PrefhubError

exports_app = typer.Typer(help="Export upkeep.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.add_typer(exports_app, name="exports")


def registered_format(value: str) -> str:
    """``--format``: a format of the export registry (read when parsed: it imports them all)."""
    from prefhub.exports import registry

    if registry.find(value) is None:
        raise typer.BadParameter(
            f"{value!r} is not a format; formats: {', '.join(registry.names())}"
        )
    return value


def _format_names(incomplete: str) -> list[str]:
    from prefhub.exports import registry

    return [name for name in registry.names() if name.startswith(incomplete)]


def export(
    slug: str,
    out: Annotated[Path, typer.Option(help="folder to create (must not exist)")],
    format: Annotated[
        str,
        typer.Option(
            parser=registered_format,
            autocompletion=_format_names,
            help="the rows to write; `prefhub exports formats` lists them",
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
    include_simulated: Annotated[
        bool,
        typer.Option(
            help="keep simulated annotators' work (prefhub simulate: judgments; in tree "
            "campaigns, the trees they took part in) in a campaign that also has human work"
        ),
    ] = False,
    include_excluded: Annotated[
        bool,
        typer.Option(
            help="keep, marked, the judgments of annotators excluded by quality rules, a "
            "researcher or the qualification (the judgments format always keeps them)"
        ),
    ] = False,
    tree_state: Annotated[
        list[str] | None,
        typer.Option(help="tree campaigns: trees in this state (repeatable; ready_for_export)"),
    ] = None,
) -> None:
    """Export a dataset (runs the same job code as the worker, in this process)."""
    from prefhub.campaigns.service import get_by_slug
    from prefhub.exports import jobs as export_jobs
    from prefhub.exports import service
    from prefhub.exports.card import export_notes
    from prefhub.exports.pseudonyms import DEVELOPMENT_KEY_WARNING, development_key_in_use
    from prefhub.exports.schemas import ExportOptions
    from prefhub.exports.tasks import execute_export
    from prefhub.kit.db import unit_of_work
    from prefhub.models import JobStatus

    groups: dict[str, list[str]] = {}
    for condition in group or []:
        question, sep, value = condition.partition("=")
        if not sep or not question or not value:
            raise fail(f"--group takes QUESTION=VALUE, not {condition!r}")
        groups.setdefault(question, []).append(value)
    try:
        options = ExportOptions(
            format=format,
            conversational=not standard,
            file_format="parquet" if parquet else "jsonl",
            # the CLI's string; pydantic checks it against the aggregation Literal
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
            include_simulated=include_simulated,
            include_excluded=include_excluded,
            # the CLI's strings; pydantic turns them into TreeState values
            tree_states=tree_state or None,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise fail(f"bad export options: {exc.errors()[0]['msg']}") from None
    try:
        # Before the job exists: a refused destination leaves no failed job behind.
        service.check_destination(out)
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            # Warned, not refused: an empty export is allowed, but never by surprise.
            if unread := service.unread_questions_warning(campaign, options):
                console.print(f"warning: {unread}", markup=False, soft_wrap=True)
            job_id = export_jobs.create_job(session, campaign, None, options, send=False).id
        with progress() as bar:
            task = bar.add_task(f"exporting {slug} as {format}", total=None)
            job = execute_export(
                job_id, out, lambda done, total: bar.update(task, completed=done, total=total)
            )
    except PrefhubError as exc:
        raise fail(exc.message) from None
    assert job is not None
    if job.status != JobStatus.succeeded:
        raise fail(job.error_message or f"export {job_id} {job.status.value}")
    console.print(f"wrote {job.row_count} rows to {out}")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    for line in export_notes(manifest):
        console.print(line, markup=False, soft_wrap=True)
    if development_key_in_use():
        console.print(f"warning: {DEVELOPMENT_KEY_WARNING}", markup=False, soft_wrap=True)
    for f in job.files:
        console.print(f"  {f['name']}  {f['size']} bytes  sha256 {f['sha256'][:16]}…")


@exports_app.command("formats")
def formats() -> None:
    """List the export formats: name, the campaigns that can give it, what its rows are."""
    from prefhub.exports import registry

    for entry in registry.all_formats():
        kinds = ", ".join(entry.campaign_kinds)
        console.print(
            f"{entry.name}  [{kinds}]  {entry.title}", highlight=False, markup=False, soft_wrap=True
        )


@exports_app.command("backfill")
def backfill(
    batch: Annotated[int, typer.Option(min=1, help="rows per transaction")] = 5000,
) -> None:
    """Store the export JSON of items and candidates written before it was stored on insert,
    so the fast dpo export copies it for every row (exports give the same bytes either way)."""
    from prefhub.exports.stored_json import backfill
    from prefhub.kit.db import unit_of_work

    items = candidates = 0
    while True:
        with unit_of_work() as session:
            filled = backfill(session, batch)
        items, candidates = items + filled.items, candidates + filled.candidates
        if not filled.items and not filled.candidates:
            break
    console.print(f"filled the export JSON of {items} items and {candidates} candidates")


@exports_app.command("redact")
def redact(
    folders: Annotated[
        list[Path] | None,
        typer.Argument(
            help="export folders written by `prefhub export --out`; none: every stored export"
        ),
    ] = None,
) -> None:
    """Take crowd completion codes and return URLs out of exports written before exports kept
    them out: their manifest, card and Croissant, and the sha256 recorded for them."""
    from prefhub.exports.redaction import redact_folder, redact_stored_exports
    from prefhub.kit.db import unit_of_work

    if folders:
        for given in folders:
            if not (given / "manifest.json").is_file():
                raise fail(f"{given} is not an export folder (no manifest.json)")
        changed = [str(given) for given in folders if redact_folder(given)]
        console.print(f"redacted {len(changed)} of {len(folders)} export folders")
    else:
        with unit_of_work() as session:
            report = redact_stored_exports(session)
        changed = report.redacted
        console.print(f"redacted {len(changed)} of {report.checked} stored exports")
        for missing in report.missing:
            console.print(f"  missing (deleted?): {missing}", markup=False)
    for name in changed:
        console.print(f"  {name}", markup=False)
