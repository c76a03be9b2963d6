"""Candidate generation against a real OpenAI-compatible server on 127.0.0.1 (tests/support)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from support.api import jsonl
from support.fake_openai import FakeOpenAI, chat_reply


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _model(researcher, fake, name, **extra):
    body = {"name": name, "base_url": fake.base_url, "model": "fake-model"} | extra
    response = researcher.post("/api/models", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _prompts_campaign(researcher, slug, n=3):
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"Question number {i}?"} for i in range(n)]
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    ).json()
    assert imported == {"imported": n, "ready": 0}


def _run(job_id: int, concurrency: int = 8) -> None:
    """Run the job's requests with the worker's own code, in this process."""
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work

    with unit_of_work() as session:
        ids = service.queued_request_ids(session, job_id)
    run_locally(ids, concurrency)


def _candidates(db, slug):
    from prefhub.models import Campaign, Candidate, Item

    with db() as session:
        return session.scalars(
            select(Candidate)
            .join(Item, Item.id == Candidate.item_id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug)
            .order_by(Candidate.id)
        ).all()


def test_registry_keeps_api_keys_out_and_refuses_duplicates(as_user, fake, unique):
    researcher = as_user("researcher")
    created = _model(researcher, fake, f"m-{unique}", api_key_secret="FAKE_KEY")
    assert created["api_key_secret"] == "FAKE_KEY"
    assert "api_key" not in created
    again = researcher.post(
        "/api/models", json={"name": f"m-{unique}", "base_url": fake.base_url, "model": "x"}
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "model_exists")
    bad = researcher.post("/api/models", json={"name": "x", "base_url": "not a url", "model": "m"})
    assert bad.status_code == 422
    assert as_user("annotator").get("/api/models").status_code == 403


def test_model_test_reports_latency_or_the_error(as_user, fake, unique):
    researcher = as_user("researcher")
    _model(researcher, fake, f"ok-{unique}")
    result = researcher.post(f"/api/models/ok-{unique}/test").json()
    assert result["ok"] is True and result["latency_ms"] >= 0
    assert "reply to: Say hello." in result["reply"]
    _model(researcher, fake, f"keyed-{unique}", api_key_secret="FAKE_KEY")
    failed = researcher.post(f"/api/models/keyed-{unique}/test").json()
    assert failed["ok"] is False and "PREFHUB_MODEL_KEY_FAKE_KEY" in failed["error"]


def test_job_stores_m_models_times_n_samples_with_their_metadata(as_user, fake, unique, db):
    researcher = as_user("researcher")
    slug = f"gen-{unique}"
    _prompts_campaign(researcher, slug, n=3)
    _model(researcher, fake, f"a-{unique}", default_params={"temperature": 0.7})
    _model(researcher, fake, f"b-{unique}")
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs",
        json={"models": [f"a-{unique}", f"b-{unique}"], "samples": 2, "params": {"seed": 5}},
    ).json()
    assert job["status"] == "queued" and job["progress"]["total"] == 12
    _run(job["id"])
    state = researcher.get(f"/api/generation-jobs/{job['id']}").json()
    assert state["status"] == "succeeded"
    assert state["progress"] == {"total": 12, "done": 12, "failed": 0, "cancelled": 0}
    candidates = _candidates(db, slug)
    assert len(candidates) == 12
    first = candidates[0]
    assert first.model_name in {f"a-{unique}", f"b-{unique}"}
    assert first.extra["completion_tokens"] > 0 and first.extra["finish_reason"] == "stop"
    assert first.extra["latency_ms"] >= 0 and first.round == 0
    seeds = sorted({c.model_params["seed"] for c in candidates})
    assert seeds == [5]  # the job's params; each sample's seed is offset in the request
    texts = {c.content[0]["text"] for c in candidates}
    assert (
        chat_reply(
            {
                "model": "fake-model",
                "messages": [{"role": "user", "content": "Question number 0?"}],
                "seed": 5,
                "temperature": 0.7,
            }
        )
        in texts
    )
    # Every item now has 4 candidates: ready for annotation.
    items = researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    assert {i["status"] for i in items} == {"ready"}


def test_429_with_retry_after_and_500s_are_retried_then_succeed(as_user, fake, unique, db):
    researcher = as_user("researcher")
    slug = f"retry-{unique}"
    _prompts_campaign(researcher, slug, n=1)
    _model(researcher, fake, f"r-{unique}")
    fake.fail_next(status=429, times=1, retry_after=1)
    fake.fail_next(status=500, times=1)
    fake.drop_next(times=1)
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"r-{unique}"]}
    ).json()
    started = time.monotonic()
    _run(job["id"])
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert fake.count(path="/chat/completions") == 4
    assert len(_candidates(db, slug)) == 1
    state = researcher.get(f"/api/generation-jobs/{job['id']}").json()
    assert state["progress"]["done"] == 1 and state["status"] == "succeeded"


def test_a_permanent_error_is_recorded_and_not_retried(as_user, fake, unique, db):
    researcher = as_user("researcher")
    slug = f"perm-{unique}"
    _prompts_campaign(researcher, slug, n=2)
    _model(researcher, fake, f"p-{unique}")
    fake.fail_next(status=400, times=1, message="context too long")
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"p-{unique}"]}
    ).json()
    _run(job["id"], concurrency=1)
    state = researcher.get(f"/api/generation-jobs/{job['id']}").json()
    assert state["progress"] == {"total": 2, "done": 1, "failed": 1, "cancelled": 0}
    assert "context too long" in state["errors"][0]
    assert fake.count(path="/chat/completions") == 2


def test_a_request_run_twice_stores_one_candidate(as_user, fake, unique, db):
    from prefhub.generation.tasks import execute_request
    from prefhub.kit.db import unit_of_work
    from prefhub.models import GenerationRequest, GenerationStatus

    researcher = as_user("researcher")
    slug = f"twice-{unique}"
    _prompts_campaign(researcher, slug, n=1)
    _model(researcher, fake, f"t-{unique}")
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"t-{unique}"]}
    ).json()
    with unit_of_work() as session:
        (request,) = session.scalars(
            select(GenerationRequest).where(GenerationRequest.job_id == job["id"])
        ).all()
    assert execute_request(request.id, 0, 3) is None
    # A redelivered message (the worker died before acknowledging) runs it again.
    with unit_of_work() as session:
        session.get(GenerationRequest, request.id).status = GenerationStatus.running
    assert execute_request(request.id, 0, 3) is None
    assert len(_candidates(db, slug)) == 1
    assert fake.count(path="/chat/completions") == 1


def test_cancel_stops_what_has_not_run(as_user, fake, unique, db):
    researcher = as_user("researcher")
    slug = f"cancel-{unique}"
    _prompts_campaign(researcher, slug, n=4)
    _model(researcher, fake, f"c-{unique}")
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"c-{unique}"]}
    ).json()
    cancelled = researcher.post(f"/api/generation-jobs/{job['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["progress"]["cancelled"] == 4
    _run(job["id"])
    assert fake.count(path="/chat/completions") == 0
    again = researcher.post(f"/api/generation-jobs/{job['id']}/cancel")
    assert again.json()["error"]["code"] == "job_finished"


def test_concurrency_limit_per_endpoint_holds(as_user, fake, unique):
    researcher = as_user("researcher")
    slug = f"limit-{unique}"
    _prompts_campaign(researcher, slug, n=12)
    _model(researcher, fake, f"l-{unique}", max_concurrency=3)
    fake.latency = 0.15
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"l-{unique}"]}
    ).json()
    _run(job["id"], concurrency=10)
    assert fake.count(path="/chat/completions") == 12
    assert fake.max_concurrency_seen_for("fake-model") == 3


def test_new_round_regenerates_for_the_same_prompts(as_user, fake, unique, db):
    researcher = as_user("researcher")
    slug = f"round-{unique}"
    _prompts_campaign(researcher, slug, n=2)
    _model(researcher, fake, f"old-{unique}")
    _model(researcher, fake, f"new-{unique}")
    first = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"old-{unique}"]}
    ).json()
    _run(first["id"])
    second = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs",
        json={"models": [f"new-{unique}"], "new_round": True},
    ).json()
    assert (first["round"], second["round"]) == (0, 1)
    _run(second["id"])
    rounds = {(c.model_name, c.round) for c in _candidates(db, slug)}
    assert rounds == {(f"old-{unique}", 0), (f"new-{unique}", 1)}


def test_bad_generation_requests_are_4xx(as_user, fake, unique):
    researcher = as_user("researcher")
    slug = f"badgen-{unique}"
    _prompts_campaign(researcher, slug, n=1)
    missing = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": ["no-such-model"]}
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "model_not_found")
    _model(researcher, fake, f"g-{unique}")
    wrong_items = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs",
        json={"models": [f"g-{unique}"], "item_ids": ["nope"]},
    )
    assert wrong_items.json()["error"]["code"] == "bad_generation_request"
    assert (
        researcher.post(f"/api/campaigns/{slug}/generation-jobs", json={"models": []}).status_code
        == 422
    )
