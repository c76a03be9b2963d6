"""Jobs whose dispatch never reached the broker are sent again: by hand (``/resume``) or by
the workers' sweep, which several workers may run at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.api import jsonl
from support.fake_openai import FakeOpenAI


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _job(researcher, fake, unique: str, n: int = 2) -> dict:
    slug = f"rec-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"Question {i}?"} for i in range(n)]
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    )
    model = {"name": f"m-{unique}", "base_url": fake.base_url, "model": "fake-model"}
    assert researcher.post("/api/models", json=model).status_code == 201
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"m-{unique}"]}
    )
    assert job.status_code == 202
    return job.json()


def _dispatched_at(db, job_id: int):  # type: ignore[no-untyped-def]
    from prefhub.models import GenerationJob

    with db() as session:
        return session.get_one(GenerationJob, job_id).dispatched_at


def test_resume_is_for_the_campaign_owner_or_an_admin_and_refused_once_finished(
    as_user, new_client, fake, unique, db
):
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work

    owner = as_user("researcher")
    job = _job(owner, fake, unique)
    url = f"/api/generation-jobs/{job['id']}/resume"
    assert new_client().post(url).status_code == 401
    assert as_user("annotator").post(url).status_code == 403
    other = as_user("researcher").post(url)  # another researcher's job does not exist for them
    assert (other.status_code, other.json()["error"]["code"]) == (404, "generation_job_not_found")
    assert _dispatched_at(db, job["id"]) is None
    no_csrf = as_user("admin")
    del no_csrf.headers["X-CSRF-Token"]
    assert no_csrf.post(url).json()["error"]["code"] == "csrf_failed"

    resumed = owner.post(url)
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["status"] == "queued" and resumed.json()["progress"]["total"] == 2
    assert _dispatched_at(db, job["id"]) is not None  # the claim the new dispatch carries
    assert as_user("admin").post(url).status_code == 202

    with unit_of_work() as session:
        request_ids = service.queued_request_ids(session, job["id"])
    run_locally(request_ids, 2)
    finished = owner.post(url)
    assert (finished.status_code, finished.json()["error"]["code"]) == (
        409,
        "job_finished",
    )
    assert owner.post("/api/generation-jobs/999999999/resume").status_code == 404


def test_a_never_dispatched_job_is_claimed_by_one_sweeper_only(as_user, fake, unique, db):
    from prefhub.generation import service
    from prefhub.jobs import service as jobs
    from prefhub.kit.time import utcnow
    from prefhub.models import Job
    from prefhub.settings import get_settings

    job_id = _job(as_user("researcher"), fake, unique)["id"]
    now = utcnow()
    grace = get_settings().job_dispatch_grace_seconds

    def stranded(at):  # type: ignore[no-untyped-def]
        with db() as session:
            return {row.id: row for row in jobs.stranded(session, at)}

    assert job_id not in stranded(now)  # young: its dispatch may simply not have run yet
    later = now + timedelta(seconds=grace + 1)
    job = stranded(later)[job_id]
    assert job.dispatched_at is None
    with db() as session:
        first = jobs.claim_resend(session, job_id, job.dispatched_at, later)
    with db() as session:
        second = jobs.claim_resend(session, job_id, job.dispatched_at, later)
    assert (first, second) == (True, False)
    assert job_id not in stranded(later + timedelta(seconds=grace + 1))  # sent: not stale yet
    # The dispatch that create_job sent (no claim) is superseded; the claimed one sends.
    with db() as session:
        assert service.requests_to_dispatch(session, job_id, None, include_running=False) == []
        claimed = service.requests_to_dispatch(session, job_id, later, include_running=False)
        assert len(claimed) == 2
        service.mark_dispatched(session, job_id, later)
    # Queued and sent longer ago than the broker's visibility timeout: the message was lost.
    with db() as session:
        session.get_one(Job, job_id).dispatched_at = now - timedelta(hours=2)
        session.get_one(Job, job_id).created_at = now - timedelta(hours=2)
    assert job_id in stranded(now)


def test_a_recovering_dispatch_closes_a_job_whose_closing_was_lost(as_user, fake, unique, db):
    from sqlalchemy import update

    from prefhub.generation import service
    from prefhub.generation.tasks import dispatch_job
    from prefhub.jobs import service as jobs
    from prefhub.jobs import sweeper
    from prefhub.kit.time import utcnow
    from prefhub.models import GenerationRequest, GenerationStatus, Job, JobStatus

    job_id = _job(as_user("researcher"), fake, unique)["id"]
    long_ago = utcnow() - timedelta(hours=2)
    with db() as session:
        # Every request stored, then the worker died before closing the job, long ago.
        session.execute(
            update(GenerationRequest)
            .where(GenerationRequest.job_id == job_id)
            .values(status=GenerationStatus.failed, finished_at=long_ago)
        )
        job = session.get_one(Job, job_id)
        job.status = JobStatus.running
        job.created_at = job.started_at = job.dispatched_at = job.heartbeat_at = long_ago
    # The sweeper claims it and sends a recovering dispatch (to the broker of the tests)...
    assert sweeper.sweep() >= 1
    with db() as session:
        claim = session.get_one(Job, job_id).dispatched_at
    assert claim is not None and claim > long_ago
    # ...which, run by a worker, closes it: every request failed, so the job failed.
    dispatch_job(job_id, claim=claim.isoformat(), recovering=True)
    with db() as session:
        job = service.get_job(session, job_id)
        assert job.status == JobStatus.failed and job.error_code == "generation_failed"
        assert jobs.stranded(session, utcnow()) == [] or job_id not in {
            r.id for r in jobs.stranded(session, utcnow())
        }
