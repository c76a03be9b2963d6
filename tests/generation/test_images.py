"""Image candidates from an OpenAI-compatible image endpoint, stored as media and served with
the campaign's authorization."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from support.api import jsonl
from support.fake_openai import FakeOpenAI, tiny_png


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _image_campaign(researcher, fake, unique: str) -> tuple[str, dict]:
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work

    slug = f"images-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"A red fox number {i}"} for i in range(2)]
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    )
    model = {
        "name": f"img-{unique}",
        "provider": "openai_image",
        "base_url": fake.base_url,
        "model": "fake-image-model",
        "default_params": {"size": "256x256", "temperature": 0.7},
    }
    assert researcher.post("/api/models", json=model).status_code == 201
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs",
        json={"models": [f"img-{unique}"], "samples": 2},
    ).json()
    with unit_of_work() as session:
        ids = service.queued_request_ids(session, job["id"])
    run_locally(ids, 4)
    return slug, job


def _candidates(db, slug):
    from prefhub.models import Campaign, Candidate, Item

    with db() as session:
        return session.scalars(
            select(Candidate).join(Item).join(Campaign).where(Campaign.slug == slug)
        ).all()


def test_image_candidates_are_stored_as_media_parts(as_user, fake, unique, db):
    from prefhub.models import CampaignMedia, MediaAsset

    researcher = as_user("researcher")
    slug, job = _image_campaign(researcher, fake, unique)
    assert researcher.get(f"/api/generation-jobs/{job['id']}").json()["status"] == "succeeded"
    sent = [r.body for r in fake.requests if r.path.endswith("/images/generations")]
    assert len(sent) == 4
    # Image endpoints get image parameters, the prompt, and are asked for the bytes.
    assert sent[0]["size"] == "256x256" and "temperature" not in sent[0]
    assert sent[0]["response_format"] == "b64_json" and sent[0]["prompt"].startswith("A red fox")

    candidates = _candidates(db, slug)
    assert len(candidates) == 4
    for candidate in candidates:
        (part,) = candidate.content
        assert part["type"] == "image" and part["content_type"] == "image/png"
        assert (part["width"], part["height"]) == (8, 8)
        assert candidate.extra["revised_prompt"].startswith("A red fox")
    with db() as session:
        assets = session.scalars(select(MediaAsset)).all()
        by_sha = {a.sha256: a for a in assets}
        linked = set(session.scalars(select(CampaignMedia.asset_id)))
    # The fake draws one picture per prompt: both samples of a prompt are the same bytes,
    # stored once.
    shas = {c.content[0]["sha256"] for c in candidates}
    assert len(shas) == 2 and shas <= set(by_sha)
    assert {by_sha[s].id for s in shas} <= linked
    expected = {hashlib.sha256(tiny_png(f"A red fox number {i}#0")).hexdigest() for i in (0, 1)}
    assert shas == expected


def test_media_is_served_to_whoever_may_see_the_campaign_and_nobody_else(
    as_user, new_client, fake, unique, db
):
    researcher = as_user("researcher")
    slug, _ = _image_campaign(researcher, fake, unique)
    sha = _candidates(db, slug)[0].content[0]["sha256"]
    url = f"/api/media/{sha}"

    own = researcher.get(url)
    assert own.status_code == 200
    assert own.headers["content-type"] == "image/png"
    assert own.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(own.content).hexdigest() == sha
    partial = researcher.get(url, headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.content == b"\x89PNG\r\n\x1a\n"

    assert as_user("annotator").get(url).status_code == 200
    other = as_user("researcher").get(url)
    assert (other.status_code, other.json()["error"]["code"]) == (404, "media_not_found")
    assert new_client().get(url).status_code == 401
    assert researcher.get("/api/media/" + "0" * 64).status_code == 404
    assert researcher.get("/api/media/not-a-hash").status_code == 422


def test_an_endpoint_that_sends_no_image_is_a_recorded_failure(as_user, fake, unique, db):
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work
    from prefhub.models import GenerationRequest

    researcher = as_user("researcher")
    slug = f"noimg-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
    researcher.post("/api/campaigns", json=spec)
    researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl([{"id": "p", "prompt": "x"}]), "application/jsonl")},
    )
    model = {
        "name": f"urlimg-{unique}",
        "provider": "openai_image",
        "base_url": fake.base_url,
        "model": "fake-image-model",
        # This endpoint is asked for a URL, which prefhub does not fetch.
        "default_params": {"response_format": "url"},
    }
    researcher.post("/api/models", json=model)
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"urlimg-{unique}"]}
    ).json()
    with unit_of_work() as session:
        ids = service.queued_request_ids(session, job["id"])
    run_locally(ids, 1)
    with db() as session:
        request = session.scalars(
            select(GenerationRequest).where(GenerationRequest.job_id == job["id"])
        ).one()
    assert request.status.value == "failed" and "b64_json" in request.error
    assert _candidates(db, slug) == []
