"""One lifecycle for every kind of job: the API, the runner's claim, heartbeat and failures,
the sweeper, idempotency keys and the command line."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from support.api import create_campaign_with_items


def _export(client, slug: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"}, headers=headers)


@pytest.fixture
def campaign(as_user, unique):  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"jobs-{unique}"
    create_campaign_with_items(researcher, slug, n_items=2, redundancy=1)
    return researcher, slug


# ---------------------------------------------------------------- the API


def test_every_kind_reads_through_one_api_and_only_its_campaign_owner_sees_it(
    campaign, as_user, new_client
):
    researcher, slug = campaign
    export = _export(researcher, slug).json()
    fetch = researcher.post(
        f"/api/campaigns/{slug}/media/fetch", json={"url": "https://example.org/a.png"}
    ).json()
    for made, kind in ((export, "export"), (fetch, "media_fetch")):
        job = researcher.get(f"/api/jobs/{made['id']}")
        assert job.status_code == 200, job.text
        body = job.json()
        assert (body["kind"], body["status"], body["attempts"]) == (kind, "queued", 0)
        assert body["error"] is None and body["progress"] == {"done": 0, "total": 0}

    listed = researcher.get("/api/jobs", params={"campaign": slug}).json()
    assert [j["id"] for j in listed["jobs"]] == [fetch["id"], export["id"]]  # newest first
    assert listed["total"] == 2
    only_exports = researcher.get("/api/jobs", params={"campaign": slug, "kind": "export"})
    assert [j["id"] for j in only_exports.json()["jobs"]] == [export["id"]]
    assert researcher.get("/api/jobs", params={"kind": "nonsense"}).json()["total"] == 0
    assert researcher.get("/api/jobs", params={"status": "nonsense"}).status_code == 422

    # Another researcher: it does not exist for them (404, not 403), nor in their list.
    other = as_user("researcher")
    assert other.get(f"/api/jobs/{export['id']}").json()["error"]["code"] == "job_not_found"
    assert other.post(f"/api/jobs/{export['id']}/cancel").status_code == 404
    assert other.get("/api/jobs", params={"campaign": slug}).json()["total"] == 0
    # An admin sees it; an annotator and a stranger may not ask.
    assert as_user("admin").get(f"/api/jobs/{export['id']}").status_code == 200
    assert as_user("annotator").get(f"/api/jobs/{export['id']}").status_code == 403
    assert new_client().get("/api/jobs").status_code == 401


def test_cancel_then_resume_runs_the_job_and_a_finished_one_refuses_both(campaign, db):
    from prefhub.exports.tasks import execute_export

    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    cancelled = researcher.post(f"/api/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    execute_export(job_id)  # the message still arrives: a cancelled job does not run
    assert researcher.get(f"/api/exports/{job_id}").json()["status"] == "cancelled"

    resumed = researcher.post(f"/api/jobs/{job_id}/resume")
    assert resumed.status_code == 202 and resumed.json()["status"] == "queued"
    execute_export(job_id)
    done = researcher.get(f"/api/jobs/{job_id}").json()
    assert done["status"] == "succeeded" and done["attempts"] == 1
    for action in ("cancel", "resume"):
        refused = researcher.post(f"/api/jobs/{job_id}/{action}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "job_finished")


def test_an_idempotency_key_returns_the_first_job_instead_of_a_second(campaign, as_user):
    researcher, slug = campaign
    first = _export(researcher, slug, **{"Idempotency-Key": "export-1"})
    again = _export(researcher, slug, **{"Idempotency-Key": "export-1"})
    other = _export(researcher, slug, **{"Idempotency-Key": "export-2"})
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    # Keys belong to their owner: the same key from an admin makes the admin's own job.
    admin = _export(as_user("admin"), slug, **{"Idempotency-Key": "export-1"})
    assert admin.json()["id"] != first.json()["id"]
    # The same key for another kind of job is a mistake, said so.
    reused = researcher.post(
        f"/api/campaigns/{slug}/media/fetch",
        json={"url": "https://example.org/b.png"},
        headers={"Idempotency-Key": "export-1"},
    )
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")
    too_long = _export(researcher, slug, **{"Idempotency-Key": "k" * 101})
    assert too_long.status_code == 422


# ---------------------------------------------------------------- the runner


def test_a_job_runs_once_however_many_messages_arrive(campaign, db):
    from prefhub.jobs import runner
    from prefhub.models import Job

    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    runs: list[int] = []
    started = threading.Event()

    def body(context: runner.RunContext) -> None:
        runs.append(job_id)
        started.set()
        time.sleep(0.5)
        from prefhub.jobs import service
        from prefhub.kit.db import unit_of_work

        with unit_of_work() as session:
            service.succeed(session.get_one(Job, job_id))

    first = threading.Thread(target=runner.run, args=(job_id, body))
    first.start()
    started.wait(10)
    # A second message while the first run holds the job (fresh heartbeat): nothing happens.
    assert runner.run(job_id, body) is False
    first.join(10)
    # And once it finished, nothing either.
    assert runner.run(job_id, body) is False
    assert runs == [job_id]
    with db() as session:
        job = session.get_one(Job, job_id)
        assert (job.status.value, job.attempts) == ("succeeded", 1)


def test_a_dead_workers_job_is_taken_over_once_its_heartbeat_is_stale(campaign, db):
    from prefhub.jobs import service
    from prefhub.kit.time import utcnow
    from prefhub.models import Job
    from prefhub.settings import get_settings

    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    with db() as session:
        assert service.claim(session, job_id) is True  # worker 1 starts, then dies
    with db() as session:
        assert service.claim(session, job_id) is False  # its heartbeat is fresh
    stale = utcnow() + timedelta(seconds=get_settings().job_stale_seconds + 1)
    with db() as session:
        assert service.claim(session, job_id, now=stale) is True  # worker 2 takes over
        assert session.get_one(Job, job_id).attempts == 2


def test_a_transient_database_error_is_retried_and_an_unexpected_one_fails_without_internals(
    campaign, db, monkeypatch
):
    from prefhub.jobs import runner
    from prefhub.jobs import service as jobs
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Job

    monkeypatch.setattr(runner.time, "sleep", lambda _: None)
    researcher, slug = campaign
    flaky_id = _export(researcher, slug).json()["id"]
    calls: list[int] = []

    def flaky(context: runner.RunContext) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT secret FROM users", {}, Exception("connection lost"))
        with unit_of_work() as session:
            jobs.succeed(session.get_one(Job, flaky_id))

    assert runner.run(flaky_id, flaky) is True
    assert len(calls) == 3
    broken_id = _export(researcher, slug).json()["id"]

    def broken(context: runner.RunContext) -> None:
        raise RuntimeError("SELECT password_hash FROM users WHERE id = 1")

    runner.run(broken_id, broken)
    with db() as session:
        assert session.get_one(Job, flaky_id).status.value == "succeeded"
    failed = researcher.get(f"/api/jobs/{broken_id}").json()
    assert failed["status"] == "failed" and failed["error"]["code"] == "internal_error"
    assert (
        "SELECT" not in failed["error"]["message"] and str(broken_id) in failed["error"]["message"]
    )
    assert "SELECT" not in (researcher.get(f"/api/exports/{broken_id}").json()["error"] or "")


def test_a_cancel_reaches_a_running_job_at_its_next_heartbeat(campaign, db, monkeypatch):
    from prefhub.jobs import runner
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "job_heartbeat_seconds", 0.1)
    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    stopped: list[bool] = []

    def body(context: runner.RunContext) -> None:
        researcher.post(f"/api/jobs/{job_id}/cancel")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                context.progress(1, 10)
            except Exception:
                stopped.append(True)
                raise
            time.sleep(0.05)

    runner.run(job_id, body)
    assert stopped == [True]
    assert researcher.get(f"/api/jobs/{job_id}").json()["status"] == "cancelled"


# ---------------------------------------------------------------- the sweeper


def test_the_sweeper_resends_stranded_jobs_of_every_kind_and_gives_up_on_a_dying_one(
    campaign, db, monkeypatch
):
    from prefhub.jobs import service, sweeper
    from prefhub.kit.time import utcnow
    from prefhub.models import Job, JobStatus
    from prefhub.settings import get_settings

    researcher, slug = campaign
    never_sent = _export(researcher, slug).json()["id"]
    fetch = researcher.post(
        f"/api/campaigns/{slug}/media/fetch", json={"url": "https://example.org/c.png"}
    ).json()["id"]
    dying = _export(researcher, slug).json()["id"]
    long_ago = utcnow() - timedelta(hours=3)
    settings = get_settings()
    with db() as session:
        session.execute(
            update(Job)
            .where(Job.id.in_([never_sent, fetch]))
            .values(created_at=long_ago, dispatched_at=None)
        )
        session.execute(
            update(Job)
            .where(Job.id == dying)
            .values(
                status=JobStatus.running,
                heartbeat_at=long_ago,
                dispatched_at=long_ago,
                attempts=settings.job_max_attempts,
            )
        )
    sent: list[tuple[str, list, dict]] = []
    monkeypatch.setattr(
        service.celery_app,
        "send_task",
        lambda name, args, kwargs=None, **_: sent.append((name, args, kwargs or {})),
    )
    sweeper.sweep()
    by_job = {args[0]: (name, kwargs) for name, args, kwargs in sent}
    assert by_job[never_sent][0] == "prefhub.exports.run_export"
    assert by_job[fetch][0] == "prefhub.media.fetch_media"
    assert by_job[never_sent][1]["recovering"] is True and "claim" in by_job[never_sent][1]
    assert dying not in by_job
    with db() as session:
        gave_up = session.get_one(Job, dying)
        assert gave_up.status == JobStatus.failed and gave_up.error_code == "worker_lost"
        # Sent now: the next sweep leaves them alone.
        assert {never_sent, fetch}.isdisjoint(r.id for r in service.stranded(session, utcnow()))
    sent.clear()
    sweeper.sweep()
    assert {never_sent, fetch}.isdisjoint(args[0] for _, args, _ in sent)


def test_a_resend_that_meets_a_broker_outage_gives_its_claim_back(campaign, db, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerDown

    from prefhub.jobs import service, sweeper
    from prefhub.kit.time import utcnow
    from prefhub.models import Job

    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    with db() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(created_at=utcnow() - timedelta(hours=1), dispatched_at=None)
        )

    def down(*_, **__):  # type: ignore[no-untyped-def]
        raise BrokerDown("connection refused")

    monkeypatch.setattr(service.celery_app, "send_task", down)
    sweeper.sweep()
    with db() as session:
        assert session.get_one(Job, job_id).dispatched_at is None  # the next sweep tries again
        assert job_id in {r.id for r in service.stranded(session, utcnow())}


# ---------------------------------------------------------------- the command line


def test_the_cli_lists_shows_cancels_and_resumes_jobs(campaign):
    from typer.testing import CliRunner

    from prefhub.cli.main import app

    researcher, slug = campaign
    job_id = _export(researcher, slug).json()["id"]
    cli = CliRunner()
    listed = cli.invoke(app, ["jobs", "list", "--kind", "export"])
    assert listed.exit_code == 0 and str(job_id) in listed.output and "queued" in listed.output
    shown = cli.invoke(app, ["jobs", "show", str(job_id)])
    assert shown.exit_code == 0 and '"kind": "export"' in shown.output
    assert cli.invoke(app, ["jobs", "cancel", str(job_id)]).output.strip().endswith("cancelled")
    assert cli.invoke(app, ["jobs", "resume", str(job_id)]).output.strip().endswith("queued")
    missing = cli.invoke(app, ["jobs", "show", "999999999"])
    assert missing.exit_code != 0 and "No job 999999999" in missing.output
