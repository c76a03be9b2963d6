"""People verify derived rows in ordinary campaigns (issue 19, point 4): a sample becomes
items, annotators confirm or overturn them, and the source reports each signal's agreement;
erasing a user removes the items their rows became."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import pairwise_spec

CONVERSATIONS = 4


def _events(conv: str, user: str) -> list[dict[str, Any]]:
    base = {"conversation_id": conv, "user_id": user}
    return [
        base
        | {
            "type": "conversation",
            "event_id": f"{conv}-c",
            "model": "demo",
            "messages": [
                {"id": f"{conv}-u", "role": "user", "content": f"Spell {conv} backwards."},
                {"id": f"{conv}-a", "role": "assistant", "content": f"{conv} backwards is ?"},
            ],
        },
        base
        | {
            "type": "edit",
            "event_id": f"{conv}-e",
            "message_id": f"{conv}-a",
            "content": f"{conv[::-1]} (edited by the user)",
        },
        base
        | {"type": "thumbs", "event_id": f"{conv}-t", "message_id": f"{conv}-a", "value": "up"},
    ]


@pytest.fixture
def researcher(as_user: Callable[..., TestClient], new_client, unique: str):  # type: ignore[no-untyped-def]
    client = as_user("researcher")
    slug = f"verify-{unique}"
    assert client.post("/api/feedback-sources", json={"slug": slug, "name": "V"}).status_code == 201
    key = client.post(f"/api/feedback-sources/{slug}/keys", json={"name": "k"}).json()["key"]
    batch = [e for i in range(CONVERSATIONS) for e in _events(f"conv{i}", f"user-{i}")]
    sent = new_client().post(
        f"/api/ingest/{slug}/events", json=batch, headers={"Authorization": f"Bearer {key}"}
    )
    assert sent.json()["accepted"] == len(batch)
    client.source = slug  # type: ignore[attr-defined]
    return client


def _submit(client: TestClient, slug: str, answers: Callable[[dict[str, Any]], dict[str, Any]]):  # type: ignore[no-untyped-def]
    while (task := client.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        response = client.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": answers(task),
            },
        )
        assert response.status_code == 200, response.text


def _letter_of_edit(task: dict[str, Any]) -> str:
    texts = [c["content"][0]["text"] for c in task["candidates"]]
    return "AB"[next(i for i, text in enumerate(texts) if "edited by the user" in text)]


def _signal(client: TestClient, source: str, signal: str) -> dict[str, Any]:
    stats = client.get(f"/api/feedback-sources/{source}/stats").json()
    return next(s for s in stats["signals"] if s["signal"] == signal)


def test_pairs_go_to_a_pairwise_campaign_and_people_decide_their_agreement(
    researcher: TestClient, as_user: Callable[..., TestClient], unique: str
) -> None:
    source, campaign = researcher.source, f"vp-{unique}"  # type: ignore[attr-defined]
    assert researcher.post("/api/campaigns", json=pairwise_spec(campaign, 2)).status_code == 201
    first = researcher.post(
        f"/api/feedback-sources/{source}/verification",
        json={"campaign": campaign, "sample": 3, "seed": 7},
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"campaign": campaign, "kind": "pair", "sent": {"edit": 3}}
    rest = researcher.post(
        f"/api/feedback-sources/{source}/verification", json={"campaign": campaign}
    )
    assert rest.json()["sent"] == {"edit": CONVERSATIONS - 3}
    done = researcher.post(
        f"/api/feedback-sources/{source}/verification", json={"campaign": campaign}
    )
    assert done.status_code == 409 and done.json()["error"]["code"] == "nothing_to_verify"
    items = researcher.get(f"/api/campaigns/{campaign}/items").json()["items"]
    assert len(items) == CONVERSATIONS

    agreeing, doubting = as_user("annotator"), as_user("annotator")
    _submit(agreeing, campaign, lambda t: {"preference": {"choice": _letter_of_edit(t)}})
    overturned: list[dict[str, Any]] = []

    def doubt(task: dict[str, Any]) -> dict[str, Any]:
        # Overturns the first pair, ties the second, confirms the others.
        edit = _letter_of_edit(task)
        if not overturned:
            overturned.append(task)
            return {"preference": {"choice": "B" if edit == "A" else "A"}}
        if len(overturned) == 1:
            overturned.append(task)
            return {"preference": {"choice": "tie"}}
        return {"preference": {"choice": edit}}

    _submit(doubting, campaign, doubt)
    edit = _signal(researcher, source, "edit")
    assert (edit["rows"], edit["verified"]) == (CONVERSATIONS, CONVERSATIONS)
    assert (edit["confirmed"], edit["overturned"]) == (CONVERSATIONS + 2, 1)
    assert edit["agreement"] == round((CONVERSATIONS + 2) / (CONVERSATIONS + 3), 4)
    thumbs = _signal(researcher, source, "thumbs")
    assert (thumbs["verified"], thumbs["agreement"]) == (0, None)


def test_kto_rows_go_to_a_binary_campaign(
    researcher: TestClient, as_user: Callable[..., TestClient], unique: str
) -> None:
    source, campaign = researcher.source, f"vk-{unique}"  # type: ignore[attr-defined]
    spec = pairwise_spec(campaign, 1) | {
        "questions": [{"kind": "binary", "id": "acceptable", "prompt": "Is it right?"}],
        "min_candidates": 1,
    }
    assert researcher.post("/api/campaigns", json=spec).status_code == 201, spec
    sent = researcher.post(
        f"/api/feedback-sources/{source}/verification",
        json={"campaign": campaign, "signals": ["thumbs"]},
    )
    assert sent.json() == {"campaign": campaign, "kind": "kto", "sent": {"thumbs": CONVERSATIONS}}
    # The answers were wrong: people vote them down, overturning the users' thumbs up.
    _submit(as_user("annotator"), campaign, lambda t: {"acceptable": {"votes": {"A": "down"}}})
    thumbs = _signal(researcher, source, "thumbs")
    assert (thumbs["verified"], thumbs["confirmed"], thumbs["overturned"]) == (4, 0, 4)
    assert thumbs["agreement"] == 0.0


def test_a_campaign_that_cannot_verify_or_is_not_yours_is_refused(
    researcher: TestClient, as_user: Callable[..., TestClient], unique: str
) -> None:
    source = researcher.source  # type: ignore[attr-defined]
    ranking = pairwise_spec(f"vr-{unique}", 1) | {"questions": [{"kind": "ranking"}]}
    assert researcher.post("/api/campaigns", json=ranking).status_code == 201
    refused = researcher.post(
        f"/api/feedback-sources/{source}/verification", json={"campaign": f"vr-{unique}"}
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "campaign_cannot_verify"
    other = as_user("researcher")
    assert other.post("/api/campaigns", json=pairwise_spec(f"vo-{unique}")).status_code == 201
    theirs = researcher.post(
        f"/api/feedback-sources/{source}/verification", json={"campaign": f"vo-{unique}"}
    )
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "campaign_not_found"
    assert other.get(f"/api/campaigns/vo-{unique}/items").json()["items"] == []


def test_erasing_a_user_removes_the_items_their_rows_became(
    researcher: TestClient, as_user: Callable[..., TestClient], unique: str
) -> None:
    source, campaign = researcher.source, f"ve-{unique}"  # type: ignore[attr-defined]
    assert researcher.post("/api/campaigns", json=pairwise_spec(campaign, 1)).status_code == 201
    researcher.post(f"/api/feedback-sources/{source}/verification", json={"campaign": campaign})
    _submit(as_user("annotator"), campaign, lambda t: {"preference": {"choice": "A"}})
    erased = researcher.post(
        f"/api/feedback-sources/{source}/erasure", json={"user_id": "user-1"}
    ).json()
    assert erased == {"conversations": 1, "events": 3, "derived": 2, "verification_items": 1}
    items = researcher.get(f"/api/campaigns/{campaign}/items").json()["items"]
    assert len(items) == CONVERSATIONS - 1
    assert all("conv1" not in str(item) for item in items)
    edit = _signal(researcher, source, "edit")
    assert (edit["rows"], edit["verified"]) == (CONVERSATIONS - 1, CONVERSATIONS - 1)
