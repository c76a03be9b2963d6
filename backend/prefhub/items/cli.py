"""``prefhub import``: items from a JSONL file, with their media."""

from __future__ import annotations

from pathlib import Path

import typer

from prefhub.cli.common import console, fail, progress
from prefhub.kit.errors import PrefhubError


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)


def import_file(slug: str, file: Path) -> None:
    """Import items from a JSONL file; a bad file is rejected whole, with line numbers.

    Media parts may name files beside the JSONL ({"type": "image", "path": "a.png"}) or
    public URLs ({"type": "audio", "url": "https://..."}), fetched here. The import is a job
    run in this process (the same code as a worker's): written in batches, with a progress
    bar, visible to annotators only once all of it is written.
    """
    from prefhub.campaigns.service import get_by_slug
    from prefhub.items.jobs import create_job
    from prefhub.items.media import FolderFiles
    from prefhub.items.service import refuse_import
    from prefhub.items.tasks import execute_import
    from prefhub.jobs.service import cancel
    from prefhub.kit.db import unit_of_work
    from prefhub.models import ImportJob, JobStatus

    try:
        with unit_of_work(read_only=True) as session:
            refuse_import(get_by_slug(session, slug))  # before the file is read
        data = file.read_bytes()
        with unit_of_work() as session:
            job_id = create_job(
                session, get_by_slug(session, slug), None, data, file.name, send=False
            ).id
        with progress() as bar:
            task = bar.add_task(f"importing {file.name} into {slug}", total=None)
            try:
                job = execute_import(
                    job_id,
                    FolderFiles(file.parent),
                    lambda done, total: bar.update(task, completed=done, total=total),
                )
            except KeyboardInterrupt:
                # Cancelled, not left for a worker to finish later: what it wrote is removed.
                with unit_of_work() as session:
                    cancel(session, session.get_one(ImportJob, job_id))
                raise fail("interrupted: nothing was imported") from None
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}") from None
    except PrefhubError as exc:
        raise fail(exc.message, exc.details) from None
    if job is None or job.status != JobStatus.succeeded:
        message = job.error_message if job is not None else None
        raise fail(message or f"import job {job_id} did not finish", job and job.error_details)
    console.print(f"imported {job.imported} items into '{slug}' ({job.ready} ready for annotation)")
