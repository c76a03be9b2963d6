"""Import jobs write in batches of short transactions, all or nothing: their items stay
invisible (``importing``) until the last one, and a run that stops midway (a bad line, a
cancel, a dead worker, an id another import took) leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from support.api import items, jsonl, pairwise_spec


@pytest.fixture
def campaign(as_user, unique):  # type: ignore[no-untyped-def]
    """A researcher's client, the slug of a campaign they own, and an annotator's client."""
    researcher = as_user("researcher")
    slug = f"batches-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    return researcher, slug, as_user()


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    from prefhub.items import jobs

    monkeypatch.setattr(jobs, "ITEMS_PER_BATCH", 40)
    monkeypatch.setattr(jobs, "POSTGRES_ITEMS_PER_BATCH", 40)
    return 40


def _create_job(researcher, slug: str, rows: list[dict]) -> int:  # type: ignore[no-untyped-def]
    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert created.status_code == 202, created.text
    return created.json()["id"]


def _stored(db, slug: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many items of the campaign the database holds, by status."""
    from prefhub.models import Campaign, Item

    with db() as session:
        rows = session.execute(
            select(Item.status, func.count(Item.id))
            .join(Campaign)
            .where(Campaign.slug == slug)
            .group_by(Item.status)
        ).all()
    return {str(status): count for status, count in rows}


def _annotator_sees_nothing(researcher, annotator, slug: str) -> None:  # type: ignore[no-untyped-def]
    """No task, and no item counted: in the annotator's progress, the item list, the campaign."""
    served = annotator.get(f"/api/annotate/{slug}/next").json()
    assert served["task"] is None and served["progress"]["items_total"] == 0
    assert researcher.get(f"/api/campaigns/{slug}/items").json()["total"] == 0
    assert researcher.get(f"/api/campaigns/{slug}").json()["progress"]["items"] == 0


def test_a_job_writes_in_batches_reports_progress_and_shows_its_items_only_at_the_end(
    campaign, db, small_batches
):
    from prefhub.items.tasks import execute_import

    researcher, slug, annotator = campaign
    job_id = _create_job(researcher, slug, items(100))
    reported: list[tuple[int, int]] = []
    seen_midway: list[dict[str, int]] = []

    def progress(done: int, total: int) -> None:
        reported.append((done, total))
        if done == small_batches:
            _annotator_sees_nothing(researcher, annotator, slug)
            seen_midway.append(_stored(db, slug))
            polled = researcher.get(f"/api/import-jobs/{job_id}").json()
            assert (polled["status"], polled["progress_done"], polled["progress_total"]) == (
                "running",
                40,
                100,
            )

    job = execute_import(job_id, on_progress=progress)
    assert job is not None
    assert reported == [(0, 100), (40, 100), (80, 100), (100, 100)]
    assert seen_midway == [{"importing": 40}]
    assert _stored(db, slug) == {"ready": 100}
    polled = researcher.get(f"/api/import-jobs/{job_id}").json()
    assert (polled["status"], polled["imported"], polled["ready"], polled["error"]) == (
        "succeeded",
        100,
        100,
        None,
    )
    assert (polled["progress_done"], polled["progress_total"]) == (100, 100)
    assert annotator.get(f"/api/annotate/{slug}/next").json()["task"] is not None


def test_on_sqlite_an_import_steps_aside_long_only_once_someone_else_writes(
    campaign, db, monkeypatch
):
    """Nobody else writing: batches of SQLITE_QUIET_ITEMS_PER_BATCH and short gaps. Once
    another connection commits (an annotator), batches of SQLITE_ITEMS_PER_BATCH, each
    followed by a pause of at least SQLITE_PAUSE_S."""
    import sqlite3
    import time

    from prefhub.items import jobs
    from prefhub.items.tasks import execute_import
    from prefhub.kit.db import get_engine

    if get_engine().dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes without pauses")
    monkeypatch.setattr(jobs, "SQLITE_QUIET_ITEMS_PER_BATCH", 50)
    monkeypatch.setattr(jobs, "SQLITE_ITEMS_PER_BATCH", 20)
    monkeypatch.setattr(jobs, "SQLITE_PAUSE_S", 0.5)
    monkeypatch.setattr(jobs, "SQLITE_QUIET_AFTER_S", 60.0)
    researcher, slug, _ = campaign
    job_id = _create_job(researcher, slug, items(200))
    reported: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        reported.append((done, time.monotonic()))
        if done == 100:  # an annotator's write, from a connection of its own
            other = sqlite3.connect(get_engine().url.database or "", isolation_level=None)
            other.execute("UPDATE campaigns SET name = name || '.' WHERE slug = ?", (slug,))
            other.close()

    job = execute_import(job_id, on_progress=progress)
    assert job is not None and job.status == "succeeded" and job.imported == 200
    assert [done for done, _ in reported] == [0, 50, 100, 150, 170, 190, 200]
    at = dict(reported)
    assert at[100] - at[50] < 0.5  # a gap only
    assert at[170] - at[150] >= 0.5 and at[190] - at[170] >= 0.5


def test_an_import_leaves_the_heap_it_found_out_of_full_collections_only_while_it_runs(
    campaign, db
):
    import gc

    from prefhub.items.tasks import execute_import

    researcher, slug, _ = campaign
    frozen_while_running: list[int] = []
    job = execute_import(
        _create_job(researcher, slug, items(10)),
        on_progress=lambda done, total: frozen_while_running.append(gc.get_freeze_count()),
    )
    assert job is not None and job.status == "succeeded"
    assert frozen_while_running and min(frozen_while_running) > 0
    assert gc.get_freeze_count() == 0  # a worker's heap is collected as before afterwards


def test_items_with_too_few_candidates_become_pending_at_the_end(campaign, db, small_batches):
    from prefhub.items.tasks import execute_import

    researcher, slug, _ = campaign
    rows = items(50)
    for row in rows[:30]:
        row["candidates"] = row["candidates"][:1]
    job = execute_import(_create_job(researcher, slug, rows))
    assert job is not None and (job.imported, job.ready) == (50, 20)
    assert _stored(db, slug) == {"pending": 30, "ready": 20}


def test_a_bad_line_after_the_first_batch_stores_nothing(campaign, db, small_batches):
    from prefhub.items.tasks import execute_import

    researcher, slug, _ = campaign
    body = jsonl(items(100)).splitlines()
    body[89] = b'{"prompt": 3}'
    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={"file": ("items.jsonl", b"\n".join(body), "application/jsonl")},
    )
    job = execute_import(created.json()["id"])
    assert job is not None and job.status == "failed" and job.error_code == "import_invalid"
    assert [e["line"] for e in job.error_details["errors"]] == [90]
    assert _stored(db, slug) == {}


def test_a_cancel_midway_removes_what_the_batches_wrote(campaign, db, small_batches):
    from prefhub.items.tasks import execute_import

    researcher, slug, annotator = campaign
    job_id = _create_job(researcher, slug, items(100))

    def cancel_after_two_batches(done: int, total: int) -> None:
        if done == 2 * small_batches:
            assert _stored(db, slug) == {"importing": 80}
            cancelled = researcher.post(f"/api/jobs/{job_id}/cancel")
            assert cancelled.status_code == 200, cancelled.text

    job = execute_import(job_id, on_progress=cancel_after_two_batches)
    assert job is not None and job.status == "cancelled"
    assert _stored(db, slug) == {}
    _annotator_sees_nothing(researcher, annotator, slug)


class WorkerDied(BaseException):
    """Stands for a worker killed between two batches: nothing of the job's code runs after."""


def test_a_run_that_died_midway_is_cleaned_and_run_again_exactly_once(campaign, db, small_batches):
    from prefhub.campaigns.service import get_by_slug
    from prefhub.items import jobs
    from prefhub.items.service import prepare_import
    from prefhub.items.tasks import execute_import
    from prefhub.jobs import service as job_service
    from prefhub.kit.time import utcnow
    from prefhub.models import Job

    researcher, slug, annotator = campaign
    rows = items(100)
    job_id = _create_job(researcher, slug, rows)
    # The first run: claimed, validated, two batches written, then the worker is killed.
    with db() as session:
        assert job_service.claim(session, job_id)
    with db() as session:
        prepared = prepare_import(session, get_by_slug(session, slug), jsonl(rows).splitlines())

    def die_after_two_batches(done: int, total: int) -> None:
        if done == 2 * small_batches:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        jobs.write_in_batches(job_id, prepared, die_after_two_batches, lambda: None)
    assert _stored(db, slug) == {"importing": 80}
    _annotator_sees_nothing(researcher, annotator, slug)

    # Its heartbeat goes stale; the sweeper's message runs the job again.
    with db() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(hours=1))
        )
    job = execute_import(job_id)
    assert job is not None and job.status == "succeeded" and job.attempts == 2
    assert (job.imported, job.ready, job.error_details) == (100, 100, None)
    assert _stored(db, slug) == {"ready": 100}
    listed = researcher.get(f"/api/campaigns/{slug}/items", params={"limit": 500}).json()
    assert sorted(i["external_id"] for i in listed["items"]) == sorted(r["id"] for r in rows)
    # A message that arrives once more finds the job finished and changes nothing.
    assert execute_import(job_id) is not None
    assert _stored(db, slug) == {"ready": 100}


def test_an_id_another_import_took_meanwhile_fails_the_job_with_its_line(
    campaign, db, small_batches
):
    from prefhub.items.tasks import execute_import

    researcher, slug, _ = campaign
    rows = items(100, prefix="mine")
    rows[60]["id"] = "shared"
    first = _create_job(researcher, slug, rows)
    second = _create_job(researcher, slug, [{"id": "shared", "prompt": "P", "candidates": []}])

    def other_import_runs_meanwhile(done: int, total: int) -> None:
        if done == 0:  # the first file is validated; "shared" was still free
            other = execute_import(second)
            assert other is not None and other.status == "succeeded"

    job = execute_import(first, on_progress=other_import_runs_meanwhile)
    assert job is not None and job.status == "failed", job and job.error_message
    assert job.error_details["errors"] == [
        {"line": 61, "message": "id 'shared' was imported meanwhile by another import"}
    ]
    assert _stored(db, slug) == {"pending": 1}


def test_a_direct_import_of_a_large_file_is_sent_to_import_jobs(campaign, db):
    from prefhub.items.service import DIRECT_IMPORT_MAX_ITEMS

    researcher, slug, _ = campaign
    response = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("big.jsonl", jsonl(items(DIRECT_IMPORT_MAX_ITEMS + 1)), "text/plain")},
    )
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "direct_import_too_large" and "import-jobs" in error["message"]
    assert _stored(db, slug) == {}


def test_an_interrupted_prefhub_import_is_cancelled_and_leaves_nothing(
    campaign, db, small_batches, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.items import jobs
    from prefhub.models import Campaign, ImportJob

    researcher, slug, annotator = campaign
    write = jobs.write_in_batches

    def interrupted_after_a_batch(job_id, prepared, on_progress, check):  # type: ignore[no-untyped-def]
        def progress(done: int, total: int) -> None:
            on_progress(done, total)
            if done == small_batches:
                raise KeyboardInterrupt  # Ctrl-C

        write(job_id, prepared, progress, check)

    monkeypatch.setattr(jobs, "write_in_batches", interrupted_after_a_batch)
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(items(100)))
    result = CliRunner().invoke(app, ["import", slug, str(data)])
    assert result.exit_code == 1 and "nothing was imported" in result.output, result.output
    assert _stored(db, slug) == {}
    _annotator_sees_nothing(researcher, annotator, slug)
    with db() as session:
        job = session.scalars(
            select(ImportJob)
            .join(Campaign, Campaign.id == ImportJob.campaign_id)
            .where(Campaign.slug == slug)
        ).one()
        assert job.status == "cancelled"
