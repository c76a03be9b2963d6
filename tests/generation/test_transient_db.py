"""Generation's transactions outlast a database that drops out: the worker tries the step
again (as the jobs runner does for every other kind) instead of failing the task and leaving
its requests queued until the sweeper judges them lost; each request is stored once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.api import jsonl
from support.db_faults import EVERY_FAULT, database_drops_out_at, skip_unless_possible
from support.fake_openai import FakeOpenAI

# The first transaction of a run (its requests started, the job marked running), and the one
# storing the completions.
STEPS = {
    "start": r"UPDATE jobs SET status",
    "store": r"UPDATE generation_requests SET status=\S+, error=",
}


@EVERY_FAULT
@pytest.mark.parametrize("step", list(STEPS))
def test_a_request_whose_database_dropped_out_is_called_once_and_stored_once(
    how, step, as_user, unique, db, monkeypatch
):
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.jobs import runner
    from prefhub.models import Candidate, GenerationRequest, Job

    skip_unless_possible(how)
    monkeypatch.setattr(runner.time, "sleep", lambda _: None)
    researcher = as_user("researcher")
    slug = f"flaky-db-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"Question {i}?"} for i in range(2)]
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    )
    with FakeOpenAI() as fake:
        model = {"name": f"m-{unique}", "base_url": fake.base_url, "model": "fake-model"}
        assert researcher.post("/api/models", json=model).status_code == 201
        created = researcher.post(
            f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"m-{unique}"]}
        )
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        with db() as session:
            ids = service.queued_request_ids(session, job_id)
        with database_drops_out_at(STEPS[step], how) as failed:
            run_locally(ids, 2)
        assert failed
        calls = fake.count(path="/chat/completions")

    with db() as session:
        per_request = dict(
            session.execute(
                select(Candidate.generation_request_id, func.count())
                .where(Candidate.generation_request_id.in_(ids))
                .group_by(Candidate.generation_request_id)
            ).all()
        )
        statuses = set(
            session.scalars(select(GenerationRequest.status).where(GenerationRequest.id.in_(ids)))
        )
        job_status = session.get_one(Job, job_id).status.value
    assert per_request == dict.fromkeys(ids, 1)
    assert {s.value for s in statuses} == {"succeeded"} and job_status == "succeeded"
    assert calls == len(ids)  # the model was not asked twice
