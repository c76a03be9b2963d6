"""Vision chat models get image prompts as the OpenAI API expects: an ``image_url`` part with
the image's bytes as a data URL (and WAV/MP3 as ``input_audio``)."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from support.fake_openai import FakeOpenAI, tiny_png


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def test_image_prompts_reach_the_model_as_image_url_parts(as_user, fake, unique, db, tmp_path):
    from prefhub.campaigns.service import get_by_slug
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.items.media import FolderFiles
    from prefhub.items.service import import_items
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Candidate, Item

    researcher = as_user("researcher")
    slug = f"vision-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    picture = tiny_png("a-chart", size=16)
    (tmp_path / "chart.png").write_bytes(picture)
    line = {
        "id": "v1",
        "prompt": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What does this chart show?"},
                    {"type": "image", "path": "chart.png", "alt": "a chart"},
                ],
            }
        ],
    }
    with unit_of_work() as session:
        import_items(
            session, get_by_slug(session, slug), [json.dumps(line)], files=FolderFiles(tmp_path)
        )
    model = {"name": f"vlm-{unique}", "base_url": fake.base_url, "model": "fake-model"}
    assert researcher.post("/api/models", json=model).status_code == 201
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"vlm-{unique}"], "samples": 2}
    ).json()
    with unit_of_work() as session:
        ids = service.queued_request_ids(session, job["id"])
    run_locally(ids, 2)

    bodies = [r.body for r in fake.requests if r.path.endswith("/chat/completions")]
    assert len(bodies) == 2
    (message,) = bodies[0]["messages"]
    text, image = message["content"]
    assert text == {"type": "text", "text": "What does this chart show?"}
    assert image["type"] == "image_url"
    prefix, encoded = image["image_url"]["url"].split(",", 1)
    assert prefix == "data:image/png;base64" and base64.b64decode(encoded) == picture
    with db() as session:
        item = session.scalar(select(Item).where(Item.external_id == "v1"))
        stored = session.scalars(select(Candidate).where(Candidate.item_id == item.id)).all()
        # The stored prompt is untouched by what the worker added to send it.
        assert "storage_key" not in json.dumps(item.context)
    assert len(stored) == 2 and item.status.value == "ready"
