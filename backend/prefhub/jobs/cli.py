"""``prefhub jobs``: list, show, cancel and resume background jobs of every kind."""

from __future__ import annotations

from typing import Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

jobs_app = typer.Typer(help="Background jobs of every kind.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


def _line(job: object) -> str:
    from prefhub.models import Job

    assert isinstance(job, Job)
    progress = f"{job.progress_done}/{job.progress_total}"
    error = f"  {job.error_code}: {job.error_message}" if job.error_code else ""
    created = f"{job.created_at:%Y-%m-%d %H:%M}"
    return f"{job.id:>6}  {job.kind:<12} {job.status.value:<10} {progress:>13}  {created}{error}"


@jobs_app.command("list")
def list_jobs(
    kind: Annotated[
        str | None, typer.Option(help="export, generation, import, media_fetch")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="queued, running, succeeded, failed, cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """The newest jobs, every kind (the command line sees all, as an admin does)."""
    from sqlalchemy import select

    from prefhub.kit.db import unit_of_work
    from prefhub.models import Job, JobStatus

    with unit_of_work(read_only=True) as session:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if kind:
            query = query.where(Job.kind == kind)
        if status:
            try:
                query = query.where(Job.status == JobStatus(status))
            except ValueError:
                raise fail(f"no status {status!r}") from None
        rows = [_line(job) for job in session.scalars(query)]
    console.print("    id  kind         status          progress  created")
    for row in rows:
        console.print(row, markup=False, highlight=False, soft_wrap=True)


@jobs_app.command("show")
def show(job_id: int) -> None:
    """One job's lifecycle: status, progress, attempts, heartbeat, error."""
    from prefhub.jobs import service
    from prefhub.jobs.schemas import JobOut
    from prefhub.kit.db import unit_of_work

    try:
        with unit_of_work(read_only=True) as session:
            out = JobOut.of(service.get(session, job_id))
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print_json(out.model_dump_json())


@jobs_app.command("cancel")
def cancel(job_id: int) -> None:
    """Stop a queued or running job; what it finished stays."""
    _act(job_id, "cancel")


@jobs_app.command("resume")
def resume(job_id: int) -> None:
    """Run a failed or cancelled job again, or send an open one again."""
    _act(job_id, "resume")


def _act(job_id: int, action: str) -> None:
    from prefhub.jobs import service
    from prefhub.kit.db import unit_of_work
    from prefhub.kit.enqueue import failed_sends

    try:
        with unit_of_work() as session:
            job = service.get(session, job_id)
            getattr(service, action)(session, job)
            line = f"{job.kind} job {job_id} {job.status.value}"
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print(line)
    if failed_sends(session):
        console.print("the broker is unreachable: a worker's sweeper sends it once it is back")
