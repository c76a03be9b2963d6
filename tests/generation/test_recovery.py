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
    from prefhub.kit.db import unit_of_work

    owner = as_user("researcher")
    job = _job(owner, fake, unique)
    url = f"/api/generation-jobs/{job['id']}/resume"
    assert new_client().post(url).status_code == 401
    assert as_user("annotator").post(url).status_code == 403
    assert as_user("researcher").post(url).status_code == 403
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
    service.run_locally(request_ids, 2)
    finished = owner.post(url)
    assert (finished.status_code, finished.json()["error"]["code"]) == (
        409,
        "generation_job_finished",
    )
    assert owner.post("/api/generation-jobs/999999999/resume").status_code == 404


def test_a_never_dispatched_job_is_claimed_by_one_sweeper_only(as_user, fake, unique, db):
    from prefhub.generation import service
    from prefhub.kit.time import utcnow
    from prefhub.models import GenerationJob

    job_id = _job(as_user("researcher"), fake, unique)["id"]
    now = utcnow()

    def stalled(at):  # type: ignore[no-untyped-def]
        with db() as session:
            found = service.stalled_jobs(session, at, grace=30, stale=3600)
        return {s.job_id: s for s in found}

    assert job_id not in stalled(now)  # young: its dispatch may simply not have run yet
    later = now + timedelta(seconds=31)
    job = stalled(later)[job_id]
    assert job.dispatched_at is None and job.include_running is False
    with db() as session:
        first = service.claim_dispatch(session, job_id, job.dispatched_at, later)
    with db() as session:
        second = service.claim_dispatch(session, job_id, job.dispatched_at, later)
    assert (first, second) == (True, False)
    assert job_id not in stalled(later + timedelta(seconds=31))  # dispatched: not stale yet
    # The dispatch that create_job sent (no claim) is superseded; the claimed one sends.
    with db() as session:
        assert service.requests_to_dispatch(session, job_id, None, include_running=False) == []
        claimed = service.requests_to_dispatch(session, job_id, later, include_running=False)
        assert len(claimed) == 2
        service.mark_dispatched(session, job_id, later)
    # Idle for longer than the broker's visibility timeout: sent again, running requests too.
    with db() as session:
        session.get_one(GenerationJob, job_id).dispatched_at = now - timedelta(hours=2)
        session.get_one(GenerationJob, job_id).created_at = now - timedelta(hours=2)
    assert stalled(now)[job_id].include_running is True


def test_the_sweep_closes_a_job_whose_closing_was_lost(as_user, fake, unique, db):
    from sqlalchemy import update

    from prefhub.generation import service
    from prefhub.generation.tasks import sweep_stalled_jobs
    from prefhub.kit.time import utcnow
    from prefhub.models import GenerationJob, GenerationRequest, GenerationStatus

    job_id = _job(as_user("researcher"), fake, unique)["id"]
    with db() as session:
        # Every request stored, then the worker died before closing the job, long ago.
        session.execute(
            update(GenerationRequest)
            .where(GenerationRequest.job_id == job_id)
            .values(status=GenerationStatus.failed, finished_at=utcnow() - timedelta(hours=2))
        )
        job = session.get_one(GenerationJob, job_id)
        job.status = GenerationStatus.running
        job.created_at = job.started_at = utcnow() - timedelta(hours=2)
    sweep_stalled_jobs()
    with db() as session:
        assert service.get_job(session, job_id).status == GenerationStatus.failed
