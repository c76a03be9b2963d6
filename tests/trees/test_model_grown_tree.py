"""Simulated annotators and a model grow a tree to ready-for-export together; its `trees` and
`dpo` exports load with `datasets` and keep the nesting, the ranks and the full prompt path."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from support.fake_openai import FakeOpenAI
from trees.conftest import tree_spec


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _run_generation(slug: str) -> int:
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Campaign, GenerationJob

    with unit_of_work() as session:
        jobs = session.scalars(
            select(GenerationJob.id).join(Campaign).where(Campaign.slug == slug)
        ).all()
        ids = [i for job in jobs for i in service.queued_request_ids(session, job)]
    run_locally(ids, 4)
    return len(ids)


def _export(researcher, db, slug: str, fmt: str) -> list[dict]:
    from prefhub.exports.tasks import execute_export
    from prefhub.models import ExportJob

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt})
    assert job.status_code == 202, job.text
    execute_export(job.json()["id"])
    with db() as session:
        folder = session.scalar(select(ExportJob.folder).where(ExportJob.id == job.json()["id"]))
    import datasets

    loaded = datasets.load_dataset("json", data_files=f"{folder}/{fmt}.jsonl", split="train")
    return loaded.to_list()


def _messages(node: dict) -> list[dict]:
    return [node, *(m for reply in node["replies"] for m in _messages(reply))]


def test_annotators_and_a_model_grow_a_tree_that_exports(as_user, fake, unique, db):
    from prefhub.simulation.trees import simulate_trees

    researcher = as_user("researcher")
    model = f"helper-{unique}"
    assert researcher.post(
        "/api/models", json={"name": model, "base_url": fake.base_url, "model": "fake-model"}
    ).is_success
    slug = f"grown-{unique}"
    spec = tree_spec(
        slug,
        goal_tree_size=6,
        max_depth=2,
        max_children=4,
        rankings_needed=2,
        max_trees=1,
        consensus="bradley_terry",
        reply_min_length=5,
        model_replies={"models": [model], "per_message": 2},
    )
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    # A worker would answer the model's requests while people work: alternate a few tasks
    # with running whatever generation is queued.
    for round_ in range(300):
        done = simulate_trees(slug, annotators=5, tasks=2, seed=round_).judgments
        generated = _run_generation(slug)
        if done == 0 and generated == 0:
            break
    tree = researcher.get(f"/api/campaigns/{slug}/trees").json()["trees"][0]
    assert tree["state"] == "ready_for_export", tree

    (row,) = _export(researcher, db, slug, "trees")
    messages = _messages(row["prompt"])
    synthetic = [m for m in messages if m["synthetic"]]
    assert synthetic and all(m["model_name"] == model and m["author_id"] is None for m in synthetic)
    assert all(m["role"] == "assistant" for m in synthetic)
    for message in messages:
        for reply in message["replies"]:
            assert reply["depth"] == message["depth"] + 1 and reply["role"] != message["role"]
        ranked = [r["rank"] for r in message["replies"] if r["rank"] is not None]
        if len(ranked) >= 2:
            # Bradley-Terry consensus: dense ranks from 0.
            assert 0 in ranked and sorted(set(ranked)) == list(range(max(ranked) + 1))

    by_id = {m["message_id"]: m for m in messages}
    rows = _export(researcher, db, slug, "dpo")
    assert rows
    for dpo in rows:
        parent = by_id[dpo["metadata"]["parent_id"]]
        assert len(dpo["prompt"]) == parent["depth"] + 1
        assert dpo["prompt"][-1]["role"] == "user"
        assert [m["role"] for m in dpo["prompt"]] == ["user", "assistant"] * (
            parent["depth"] // 2
        ) + ["user"]
    assert any(model in json.dumps(dpo["metadata"]["source_models"]) for dpo in rows)
