"""Celery task for import jobs: read the kept upload, validate it, write it in batches."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prefhub.items import jobs
from prefhub.items.media import (
    FolderFiles,
    ZipFiles,
    is_zip,
    media_urls,
    open_archive,
    prefetch_urls,
)
from prefhub.items.service import FileLines, prepare_import
from prefhub.jobs import runner
from prefhub.kit.db import unit_of_work
from prefhub.models import Campaign, ImportJob
from prefhub.worker import celery_app


def execute_import(
    job_id: int,
    folder: FolderFiles | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportJob | None:
    """Run one import job; the body of the task, of ``prefhub import`` (which gives the
    ``folder`` beside its file for ``path`` parts, and shows ``on_progress``) and of tests.

    A finished job is left alone. A run first removes what an earlier run of the job wrote
    (its worker died), so running it again is harmless. A refused file fails the job with its
    line errors, a cancel stops it between batches; either way nothing it wrote stays. The
    upload is removed once the job has finished."""

    def body(context: runner.RunContext) -> None:
        jobs.discard_written(job_id)
        with unit_of_work(read_only=True) as session:
            job = session.get_one(ImportJob, job_id)
            path, campaign_id = Path(job.upload_path), job.campaign_id
        files: FolderFiles | ZipFiles | None = folder
        lines: Iterable[bytes]
        with path.open("rb") as upload:
            zipped = is_zip(upload.read(4))
        if zipped:
            lines, files = open_archive(path.read_bytes())
        else:
            lines = FileLines(path)  # streamed: memory does not grow with the file
        # The URLs first, outside any transaction: slow servers must not hold the database.
        fetched = prefetch_urls(media_urls(lines))
        context.check()
        with unit_of_work(read_only=True) as session:
            prepared = prepare_import(
                session,
                session.get_one(Campaign, campaign_id),
                lines,
                files=files,
                fetch_urls=True,
                prefetched=fetched,
            )

        def progress(done: int, total: int) -> None:
            if on_progress:
                on_progress(done, total)

        try:
            context.progress(0, prepared.count)  # the total, known now; stops if cancelled
            progress(0, prepared.count)
            jobs.write_in_batches(job_id, prepared, progress, context.check)
            jobs.publish(job_id, prepared)
        except BaseException:
            jobs.discard_written(job_id)
            raise
        finally:
            prepared.close()

    with _heap_frozen():
        finished = runner.run(job_id, body)
    if finished:
        with unit_of_work() as session:
            jobs.discard_upload(session, job_id)
    with unit_of_work(read_only=True) as session:
        return session.get(ImportJob, job_id)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """What the process held before the import is left out of the garbage collector's full
    collections meanwhile: the import makes millions of short-lived objects, and each full
    collection would walk the whole heap of a worker again (about a tenth of the importer's
    CPU). What the import itself leaves as cyclic garbage is still collected."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@celery_app.task(name="prefhub.items.run_import", acks_late=True)
def run_import(job_id: int, claim: str | None = None, recovering: bool = False) -> None:
    execute_import(job_id)
