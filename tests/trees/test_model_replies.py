"""Models add assistant replies to accepted prompter messages through generation jobs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support.fake_openai import FakeOpenAI, chat_reply
from trees.conftest import work


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _run_tree_jobs(db, campaign_slug: str) -> list[int]:
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.models import Campaign, GenerationJob

    with db() as session:
        jobs = session.scalars(
            select(GenerationJob.id).join(Campaign).where(Campaign.slug == campaign_slug)
        ).all()
        ids = [i for job in jobs for i in service.queued_request_ids(session, job)]
    run_locally(ids, 4)
    return list(jobs)


def test_models_reply_to_an_accepted_prompt(as_user, tree_campaign, fake, unique, db):
    from prefhub.models import GenerationRequest, TreeMessage

    modeler = as_user("researcher")
    model = {"name": f"tree-m-{unique}", "base_url": fake.base_url, "model": "fake-model"}
    assert modeler.post("/api/models", json=model).status_code == 201
    researcher, slug = tree_campaign(
        max_children=2,
        model_replies={"models": [f"tree-m-{unique}"], "per_message": 3},
    )
    # The campaign's owner may use the model only once its owner shares it with them.
    sharing = {"researchers": [researcher.email]}
    assert modeler.put(f"/api/models/tree-m-{unique}/sharing", json=sharing).status_code == 200
    author, reviewer = as_user("annotator"), as_user("annotator")
    tree_id = work(author, slug)["result"]["tree_id"]
    assert _run_tree_jobs(db, slug) == []  # nothing until the prompt is accepted
    work(reviewer, slug)
    (job_id,) = _run_tree_jobs(db, slug)

    with db() as session:
        root = session.scalars(
            select(TreeMessage).where(
                TreeMessage.tree_id == tree_id, TreeMessage.parent_id.is_(None)
            )
        ).one()
        replies = session.scalars(
            select(TreeMessage).where(TreeMessage.parent_id == root.id).order_by(TreeMessage.id)
        ).all()
        requests = session.scalars(
            select(GenerationRequest).where(GenerationRequest.job_id == job_id)
        ).all()
        root_text = root.content[0]["text"]
    # max_children 2: two of the three model replies fit, the third is refused with a reason.
    assert len(replies) == 2
    for reply in replies:
        assert reply.role.value == "assistant" and reply.model_name == f"tree-m-{unique}"
        assert reply.review_state.value == "pending" and reply.author_id is None
        assert reply.extra["finish_reason"] and reply.extra["model_params"]["model"] == "fake-model"
    statuses = sorted(r.status.value for r in requests)
    assert statuses == ["cancelled", "succeeded", "succeeded"]
    assert "takes no more replies" in next(r.error for r in requests if r.error)
    sent = [r.body for r in fake.requests if r.path.endswith("/chat/completions")]
    assert sent[0]["messages"] == [{"role": "user", "content": root_text}]
    assert {r.content[0]["text"] for r in replies} <= {chat_reply(body) for body in sent}
    # The model's replies are reviewed like anyone's; a human reviewer gets them.
    assert work(as_user("annotator"), slug)["kind"] == "review"
