"""The researcher's data browser: items filtered and keyset-paged, one item in full, and the
campaign's judgments by annotator."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import update

from support.api import jsonl, pairwise_spec


def _item(
    external_id: str,
    *,
    models: tuple[str, ...] = ("good-model", "bad-model"),
    **extra: Any,
) -> dict[str, Any]:
    texts = {"good-model": "It is right.", "bad-model": "It is wrong, I think."}
    return {
        "id": external_id,
        "prompt": f"Prompt of {external_id}: what is it?",
        "candidates": [{"content": texts.get(m, f"By {m}."), "model": m} for m in models],
        **extra,
    }


def _judge(client, slug: str, better: str, *, time_spent_ms: int = 900) -> dict[str, Any]:
    """Take the next task and prefer the candidate whose text is ``better``."""
    task = client.get(f"/api/annotate/{slug}/next").json()["task"]
    label = next(c["label"] for c in task["candidates"] if c["content"][0]["text"] == better)
    response = client.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": label}},
            "time_spent_ms": time_spent_ms,
        },
    )
    assert response.status_code == 200, response.text
    return task


RIGHT, WRONG = "It is right.", "It is wrong, I think."


@pytest.fixture
def browsed(as_user, db, unique):  # type: ignore[no-untyped-def]
    """A campaign (K=2) whose items differ in every way the browser filters by:

    q-0 judged twice in disagreement, q-1 twice in agreement, q-2 once; q-3 in Portuguese and
    gold; q-4 in round 1 with a third model; solo has one candidate (pending)."""
    from prefhub.models import Item

    owner = as_user("researcher")
    slug = f"browse-{unique}"
    assert owner.post("/api/campaigns", json=pairwise_spec(slug, redundancy=2)).status_code == 201
    rows = [
        _item("q-0", language="en"),
        _item("q-1", language="en"),
        _item("q-2", language="en"),
        _item("q-3", language="pt-BR", gold=True),
        _item("q-4", models=("good-model", "third-model")),
        _item("solo", models=("lonely-model",)),
    ]
    imported = owner.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(rows))}
    )
    assert imported.status_code == 201, imported.text
    first, second = as_user(), as_user()
    _judge(first, slug, RIGHT)  # q-0
    _judge(second, slug, WRONG)  # q-0: disagrees
    _judge(first, slug, RIGHT)  # q-1
    _judge(second, slug, RIGHT)  # q-1: agrees
    _judge(first, slug, RIGHT, time_spent_ms=4321)  # q-2
    ids = {
        r["external_id"]: r["id"] for r in owner.get(f"/api/campaigns/{slug}/items").json()["items"]
    }
    with db() as session:
        session.execute(update(Item).where(Item.id == ids["q-4"]).values(round=1))
    return owner, slug, ids, first, second


def _browse(client, slug: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{slug}/items/browse", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _found(client, slug: str, **params: Any) -> list[str]:
    return [row["external_id"] for row in _browse(client, slug, **params)["items"]]


def test_every_filter_narrows_the_items(browsed):
    owner, slug, _, _, _ = browsed
    everything = ["q-0", "q-1", "q-2", "q-3", "q-4", "solo"]
    assert _found(owner, slug) == everything
    assert _found(owner, slug, status="complete") == ["q-0", "q-1"]
    assert _found(owner, slug, status="pending") == ["solo"]
    assert _found(owner, slug, round=1) == ["q-4"]
    assert _found(owner, slug, language="pt-BR") == ["q-3"]
    assert _found(owner, slug, gold=True) == ["q-3"]
    assert _found(owner, slug, gold=False) == ["q-0", "q-1", "q-2", "q-4", "solo"]
    assert _found(owner, slug, has_disagreement=True) == ["q-0"]
    assert _found(owner, slug, has_disagreement=False) == ["q-1", "q-2", "q-3", "q-4", "solo"]
    # The same concept as a score: q-0's two votes split evenly (1.0), the others agree (0).
    assert _found(owner, slug, min_disagreement=1) == ["q-0"]
    assert _found(owner, slug, min_disagreement=0.5, has_disagreement=True) == ["q-0"]
    assert len(_found(owner, slug, min_disagreement=0)) == 6
    assert _found(owner, slug, judgments_min=1) == ["q-0", "q-1", "q-2"]
    assert _found(owner, slug, judgments_min=1, judgments_max=1) == ["q-2"]
    assert _found(owner, slug, judgments_max=0) == ["q-3", "q-4", "solo"]
    assert _found(owner, slug, model="third-model") == ["q-4"]
    assert _found(owner, slug, model="lonely-model") == ["solo"]
    assert _found(owner, slug, search="SOL") == ["solo"]
    assert _found(owner, slug, search="%") == []  # a wildcard is matched as itself
    assert _found(owner, slug, model="good-model", gold=False, judgments_min=2) == ["q-0", "q-1"]


def test_rows_count_candidates_and_judgments_and_say_why_an_item_is_not_served(browsed):
    owner, slug, _, _, _ = browsed
    page = _browse(owner, slug)
    assert page["total"] == 6
    rows = {row["external_id"]: row for row in page["items"]}
    assert rows["q-0"] | {"id": 0} == rows["q-0"] | {
        "id": 0,
        "status": "complete",
        "n_candidates": 2,
        "n_judgments": 2,
        "wanted": 2,
        "has_disagreement": True,
        "disagreement": 1.0,
        "prompt_preview": "Prompt of q-0: what is it?",
        "not_served_because": "complete: 2 of 2 judgments",
    }
    assert rows["q-1"]["has_disagreement"] is False
    assert rows["q-1"]["disagreement"] == 0.0
    assert rows["solo"]["not_served_because"] == "1 of 2 candidates"
    assert rows["solo"]["n_candidates"] == 1
    assert rows["q-2"]["not_served_because"] is None  # one judgment, one slot left
    assert rows["q-3"]["is_gold"] is True
    assert rows["q-3"]["language"] == "pt-BR"


def test_a_round_the_campaign_does_not_serve_and_a_paused_campaign_are_reasons(browsed):
    owner, slug, _, _, _ = browsed
    spec = pairwise_spec(slug, redundancy=2, rounds=[0])
    assert owner.put(f"/api/campaigns/{slug}/spec", json=spec).status_code == 200
    rows = {row["external_id"]: row for row in _browse(owner, slug)["items"]}
    assert rows["q-4"]["not_served_because"] == (
        "round 1 is not served (the campaign serves rounds 0)"
    )
    assert rows["q-3"]["not_served_because"] is None


def test_an_item_an_import_is_still_writing_is_left_out_of_pages(browsed, db):
    from prefhub.models import Item, ItemStatus

    owner, slug, ids, _, _ = browsed
    with db() as session:
        session.execute(
            update(Item).where(Item.id == ids["q-3"]).values(status=ItemStatus.importing)
        )
    assert "q-3" not in _found(owner, slug)
    assert _browse(owner, slug)["total"] == 5
    detail = owner.get(f"/api/campaigns/{slug}/items/{ids['q-3']}/detail").json()
    assert detail["item"]["not_served_because"] == "an import job is still writing it"


def test_a_taken_item_says_its_slots_are_leased(browsed):
    owner, slug, ids, _, second = browsed
    # q-2 has one judgment; the second annotator leases its last slot.
    task = second.get(f"/api/annotate/{slug}/next").json()["task"]
    assert task["item_id"] == ids["q-2"]
    row = _browse(owner, slug, judgments_min=1, judgments_max=1)["items"][0]
    assert row["not_served_because"] == "all 2 slots taken: 1 judged, 1 leased"


def test_keyset_pages_visit_every_item_once_in_order(as_user, unique):
    owner = as_user("researcher")
    slug = f"pages-{unique}"
    assert owner.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    rows = [_item(f"p-{i:02}") for i in range(23)]
    imported = owner.post(
        f"/api/campaigns/{slug}/items/import", files={"file": ("i.jsonl", jsonl(rows))}
    )
    assert imported.status_code == 201
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 5}
    totals = []
    while True:
        page = _browse(owner, slug, **params)
        totals.append(page["total"])
        seen.extend(row["id"] for row in page["items"])
        if page["next_after"] is None:
            break
        assert page["next_after"] == seen[-1]
        params["after"] = page["next_after"]
    assert len(seen) == 23
    assert seen == sorted(set(seen))
    assert totals == [23, None, None, None, None]  # counted once, on the first page


def test_a_disagreement_page_goes_on_from_the_last_item_it_read(browsed):
    owner, slug, _, _, _ = browsed
    page = _browse(owner, slug, has_disagreement=False, limit=2)
    assert [r["external_id"] for r in page["items"]] == ["q-1", "q-2"]
    rest = _browse(owner, slug, has_disagreement=False, limit=2, after=page["next_after"])
    assert [r["external_id"] for r in rest["items"]] == ["q-3", "q-4"]
    last = _browse(owner, slug, has_disagreement=False, limit=2, after=rest["next_after"])
    assert [r["external_id"] for r in last["items"]] == ["solo"]
    assert last["next_after"] is None
    assert page["total"] is None


def test_item_detail_has_context_candidates_judgments_and_reports(browsed, as_user):
    owner, slug, ids, _, _ = browsed
    detail = owner.get(f"/api/campaigns/{slug}/items/{ids['q-0']}/detail")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["context"] == [
        {"role": "user", "content": [{"type": "text", "text": "Prompt of q-0: what is it?"}]}
    ]
    assert [(c["model_name"], c["content"][0]["text"]) for c in body["candidates"]] == [
        ("good-model", RIGHT),
        ("bad-model", WRONG),
    ]
    assert all(c["latency_ms"] is None for c in body["candidates"])  # imported, not generated
    judgments = body["judgments"]
    assert len(judgments) == 2
    assert len({j["annotator"] for j in judgments}) == 2
    assert all(j["annotator"].startswith("ann-") for j in judgments)
    assert all("@" not in j["annotator"] for j in judgments)
    chosen = {
        j["shown_order"][0 if j["answers"]["preference"]["choice"] == "A" else 1] for j in judgments
    }
    assert chosen == {c["id"] for c in body["candidates"]}  # one each: the disagreement
    assert all(j["time_spent_ms"] == 900 and j["is_current"] for j in judgments)
    assert body["item"]["has_disagreement"] is True
    assert body["item"]["not_served_because"] == "complete: 2 of 2 judgments"

    # A third annotator reports q-2 and the first one undoes and re-submits it.
    third = as_user()
    task = third.get(f"/api/annotate/{slug}/next").json()["task"]
    assert task["item_id"] == ids["q-2"]
    reported = third.post(
        f"/api/annotate/{slug}/report",
        json={"assignment_id": task["assignment_id"], "reason": "The prompt is garbled"},
    )
    assert reported.status_code in (200, 201, 204), reported.text
    detail = owner.get(f"/api/campaigns/{slug}/items/{ids['q-2']}/detail").json()
    assert [(r["reason"], r["annotator"].startswith("ann-")) for r in detail["reports"]] == [
        ("The prompt is garbled", True)
    ]
    assert detail["judgments"][0]["time_spent_ms"] == 4321
    assert detail["open_leases"] == 0


def test_judgments_are_paged_and_filtered_by_annotator_and_question(browsed):
    owner, slug, ids, _, _ = browsed
    everyone = owner.get(f"/api/campaigns/{slug}/judgments").json()
    assert len(everyone["judgments"]) == 5
    assert everyone["next_after"] is None
    pseudonym = next(j["annotator"] for j in everyone["judgments"] if j["item_id"] == ids["q-2"])
    theirs = owner.get(f"/api/campaigns/{slug}/judgments", params={"annotator": pseudonym})
    assert [j["item_external_id"] for j in theirs.json()["judgments"]] == ["q-0", "q-1", "q-2"]
    nobody = owner.get(f"/api/campaigns/{slug}/judgments", params={"annotator": "ann-" + "0" * 16})
    assert nobody.json()["judgments"] == []
    asked = owner.get(f"/api/campaigns/{slug}/judgments", params={"question": "preference"})
    assert len(asked.json()["judgments"]) == 5
    first_two = owner.get(f"/api/campaigns/{slug}/judgments", params={"limit": 2}).json()
    rest = owner.get(
        f"/api/campaigns/{slug}/judgments", params={"after": first_two["next_after"]}
    ).json()
    assert [j["id"] for j in first_two["judgments"] + rest["judgments"]] == [
        j["id"] for j in everyone["judgments"]
    ]


def test_another_researcher_finds_nothing(browsed, as_user):
    _, slug, ids, _, _ = browsed
    other = as_user("researcher")
    for path in ("items/browse", f"items/{ids['q-0']}/detail", "judgments"):
        response = other.get(f"/api/campaigns/{slug}/{path}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "campaign_not_found"


def test_an_item_of_another_campaign_is_not_found(browsed, as_user, unique):
    owner, _, ids, _, _ = browsed
    other_slug = f"other-{unique}"
    assert owner.post("/api/campaigns", json=pairwise_spec(other_slug)).status_code == 201
    response = owner.get(f"/api/campaigns/{other_slug}/items/{ids['q-0']}/detail")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "item_not_found"


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("items/browse", {"limit": 0}, "validation_error"),
        ("items/browse", {"limit": 201}, "validation_error"),
        ("items/browse", {"after": -1}, "validation_error"),
        ("items/browse", {"after": 2**31}, "validation_error"),
        ("items/browse", {"status": "done"}, "validation_error"),
        ("items/browse", {"round": -1}, "validation_error"),
        ("items/browse", {"gold": "maybe"}, "validation_error"),
        ("items/browse", {"judgments_min": 2**31}, "validation_error"),
        ("items/browse", {"judgments_min": 3, "judgments_max": 1}, "invalid_filter"),
        ("items/browse", {"search": "x" * 201}, "validation_error"),
        ("items/browse", {"min_disagreement": 1.5}, "validation_error"),
        ("items/browse", {"min_disagreement": -0.1}, "validation_error"),
        ("items/browse", {"min_disagreement": "high"}, "validation_error"),
        ("items/browse", {"min_disagreement": 0.5, "has_disagreement": False}, "invalid_filter"),
        ("judgments", {"annotator": "someone@example.org"}, "validation_error"),
        ("judgments", {"question": "nonsense"}, "invalid_filter"),
        ("judgments", {"limit": 1000}, "validation_error"),
        ("items/0/detail", {}, "validation_error"),
    ],
)
def test_a_bad_parameter_is_a_422_with_a_stable_code(browsed, path, params, code):
    owner, slug, _, _, _ = browsed
    response = owner.get(f"/api/campaigns/{slug}/{path}", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
