"""A registered model judges users' satisfaction from their next turn (issue 19, point 3):
the judge job asks a real OpenAI-compatible server on 127.0.0.1, stores each verdict with its
provenance, never asks twice about a turn, and its SAT/DSAT verdicts become ``judge`` rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from support.fake_openai import FakeOpenAI


def _judge_reply(body: dict[str, Any], index: int) -> str:
    asked = body["messages"][-1]["content"]
    text = asked if isinstance(asked, str) else " ".join(p.get("text", "") for p in asked)
    reply = text.split("User's next message:")[-1]
    if "textbook" in reply:
        return "DSAT"
    if "lovely" in reply:
        return "Verdict: SAT."
    return "neutral"


def _conversation(conv: str, reply: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "conversation",
            "event_id": f"{conv}-c",
            "conversation_id": conv,
            "user_id": f"u-{conv}",
            "model": "demo",
            "messages": [
                {"id": f"{conv}-u1", "role": "user", "content": "When did the Berlin wall fall?"},
                {"id": f"{conv}-a1", "role": "assistant", "content": "In 1991."},
                {"id": f"{conv}-u2", "role": "user", "content": reply},
            ],
        }
    ]


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeOpenAI(responder=_judge_reply) as server:
        yield server


def test_a_judge_model_labels_turns_from_the_users_next_message(
    as_user: Callable[..., TestClient],
    new_client: Callable[[], TestClient],
    unique: str,
    db: Any,
    fake: FakeOpenAI,
) -> None:
    from prefhub.insitu.judge import execute
    from prefhub.models import InsituJudgeVerdict

    researcher = as_user("researcher")
    slug = f"judge-{unique}"
    assert (
        researcher.post("/api/feedback-sources", json={"slug": slug, "name": "J"}).status_code
        == 201
    )
    key = researcher.post(f"/api/feedback-sources/{slug}/keys", json={"name": "k"}).json()["key"]
    batch = [
        *_conversation("c1", "Hmm, my textbook says 1989."),
        *_conversation("c2", "What a lovely clear answer, and what happened next?"),
        *_conversation("c3", "Ok. And the Soviet Union?"),
    ]
    sent = new_client().post(
        f"/api/ingest/{slug}/events", json=batch, headers={"Authorization": f"Bearer {key}"}
    )
    assert sent.json()["accepted"] == 3
    model = {"name": f"judge-{unique}", "base_url": fake.base_url, "model": "judge-model"}
    assert researcher.post("/api/models", json=model).status_code == 201

    job = researcher.post(f"/api/feedback-sources/{slug}/judge-jobs", json={"model": model["name"]})
    assert job.status_code == 202, job.text
    execute(job.json()["id"])
    state = researcher.get(f"/api/jobs/{job.json()['id']}").json()
    assert state["status"] == "succeeded", state
    assert state["progress"]["done"] == 3
    assert fake.count("/v1/chat/completions") == 3

    with db() as session:
        verdicts = session.scalars(
            select(InsituJudgeVerdict)
            .order_by(InsituJudgeVerdict.conversation_id)
            .where(InsituJudgeVerdict.model == model["name"])
        ).all()
        assert [v.verdict for v in verdicts] == ["dsat", "sat", "neutral"]
        assert {v.message_id for v in verdicts} == {"c1-a1", "c2-a1", "c3-a1"}
        provenance = verdicts[0].provenance
    assert provenance["rubric"] == "prefhub-satdsat-1"
    assert provenance["endpoint_model"] == "judge-model"
    assert provenance["params"]["temperature"] == 0
    assert provenance["answer"] == "DSAT"

    stats = researcher.get(f"/api/feedback-sources/{slug}/stats").json()
    judge = next(s for s in stats["signals"] if s["signal"] == "judge")
    assert (judge["kind"], judge["rows"], judge["mean_confidence"]) == ("kto", 2, 0.75)

    again = researcher.post(
        f"/api/feedback-sources/{slug}/judge-jobs", json={"model": model["name"]}
    )
    execute(again.json()["id"])
    assert researcher.get(f"/api/jobs/{again.json()['id']}").json()["progress"]["total"] == 0
    assert fake.count("/v1/chat/completions") == 3  # no turn is asked about twice

    from prefhub.insitu.export_jobs import execute as export

    made = researcher.post(f"/api/feedback-sources/{slug}/exports", json={"format": "kto"})
    export(made.json()["id"])
    rows = researcher.get(f"/api/insitu-exports/{made.json()['id']}/files/kto.jsonl").text
    assert '"judge": {"model": "judge-' in rows and '"rubric": "prefhub-satdsat-1"' in rows

    # A data subject's erasure takes the verdicts on their conversation with it.
    erased = researcher.post(f"/api/feedback-sources/{slug}/erasure", json={"user_id": "u-c1"})
    assert erased.json()["conversations"] == 1
    with db() as session:
        left = session.scalars(
            select(InsituJudgeVerdict.message_id).where(InsituJudgeVerdict.model == model["name"])
        ).all()
    assert sorted(left) == ["c2-a1", "c3-a1"]


def test_a_model_the_researcher_may_not_use_is_refused(
    as_user: Callable[..., TestClient], unique: str, fake: FakeOpenAI
) -> None:
    owner, other = as_user("researcher"), as_user("researcher")
    model = {"name": f"private-{unique}", "base_url": fake.base_url, "model": "m"}
    assert owner.post("/api/models", json=model).status_code == 201
    slug = f"judge-{unique}"
    assert other.post("/api/feedback-sources", json={"slug": slug, "name": "J"}).status_code == 201
    refused = other.post(f"/api/feedback-sources/{slug}/judge-jobs", json={"model": model["name"]})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "model_not_found"
