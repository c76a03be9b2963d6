from __future__ import annotations

from support.api import items, jsonl, pairwise_spec


def _upload(client, slug, body: bytes):
    return client.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", body, "application/jsonl")},
    )


def test_researcher_creates_campaign_and_sees_progress(as_user, unique):
    researcher = as_user("researcher")
    slug = f"c-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=3))
    assert created.status_code == 201
    assert created.json()["spec"]["questions"][0]["allow_tie"] is True
    assert _upload(researcher, slug, jsonl(items(4))).json() == {"imported": 4, "ready": 4}
    listed = researcher.get("/api/campaigns").json()["campaigns"]
    (mine,) = [c for c in listed if c["slug"] == slug]
    assert mine["progress"] == {
        "items": 4,
        "items_complete": 0,
        "judgments": 0,
        "judgments_target": 12,
    }


def test_duplicate_slug_conflicts_and_bad_spec_names_the_field(as_user, unique):
    researcher = as_user("researcher")
    spec = pairwise_spec(f"dup-{unique}")
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    again = researcher.post("/api/campaigns", json=spec)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "campaign_exists")
    bad = researcher.post("/api/campaigns", json={**spec, "slug": "Bad Slug!", "redundancy": 0})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert {"body.slug", "body.redundancy"} <= fields
    unknown_kind = researcher.post(
        "/api/campaigns",
        json={**pairwise_spec(f"k-{unique}"), "questions": [{"kind": "telepathy"}]},
    )
    assert unknown_kind.status_code == 422


def test_malformed_json_body_is_a_400_with_a_stable_code(as_user):
    researcher = as_user("researcher")
    response = researcher.post(
        "/api/campaigns", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_unknown_campaign_is_a_404_with_a_stable_code(as_user):
    response = as_user("researcher").get("/api/campaigns/no-such-campaign")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "campaign_not_found"


def test_researchers_see_only_their_own_campaigns_admins_see_all(as_user, unique):
    alice, bob, admin = as_user("researcher"), as_user("researcher"), as_user("admin")
    slug = f"alice-{unique}"
    assert alice.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    assert slug not in {c["slug"] for c in bob.get("/api/campaigns").json()["campaigns"]}
    # Another researcher's campaign does not exist for bob: the same 404 as a made-up slug.
    denied = bob.get(f"/api/campaigns/{slug}")
    assert (denied.status_code, denied.json()["error"]["code"]) == (404, "campaign_not_found")
    assert _upload(bob, slug, jsonl(items(1))).json()["error"]["code"] == "campaign_not_found"
    export = bob.post(f"/api/campaigns/{slug}/exports", json={})
    assert (export.status_code, export.json()["error"]["code"]) == (404, "campaign_not_found")
    assert admin.get(f"/api/campaigns/{slug}").status_code == 200


def test_spec_update_is_versioned(as_user, unique, db):
    from sqlalchemy import select

    from prefhub.models import CampaignVersion

    researcher = as_user("researcher")
    slug = f"v-{unique}"
    campaign_id = researcher.post("/api/campaigns", json=pairwise_spec(slug)).json()["id"]
    updated = researcher.put(
        f"/api/campaigns/{slug}/spec", json=pairwise_spec(slug, guidelines="New rules")
    )
    assert updated.json()["version"] == 2
    with db() as session:
        versions = session.scalars(
            select(CampaignVersion.spec)
            .where(CampaignVersion.campaign_id == campaign_id)
            .order_by(CampaignVersion.version)
        ).all()
    assert [v["guidelines"] for v in versions] == ["Pick the **better** answer.", "New rules"]


def test_bad_import_file_is_rejected_whole_with_line_numbers(as_user, unique):
    researcher = as_user("researcher")
    slug = f"imp-{unique}"
    researcher.post("/api/campaigns", json=pairwise_spec(slug))
    good = items(2)
    lines = [
        *[__import__("json").dumps(r) for r in good],
        "{not json",
        '{"prompt": ""}',
        '{"prompt": "ok", "candidates": [{"text": "wrong key"}]}',
        '{"id": "item-0", "prompt": "duplicate id"}',
        "[1, 2]",
    ]
    response = _upload(researcher, slug, "\n".join(lines).encode())
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "import_invalid"
    assert [e["line"] for e in body["details"]["errors"]] == [3, 4, 5, 6, 7]
    assert "malformed JSON" in body["details"]["errors"][0]["message"]
    assert "repeats line 1" in body["details"]["errors"][3]["message"]
    # Nothing partial: the two good lines were not imported either.
    listed = researcher.get(f"/api/campaigns/{slug}/items").json()
    assert listed["total"] == 0


def test_import_accepts_conversations_and_plain_candidates(as_user, unique):
    researcher = as_user("researcher")
    slug = f"conv-{unique}"
    researcher.post("/api/campaigns", json=pairwise_spec(slug))
    row = {
        "prompt": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Capital of France?"},
        ],
        "candidates": ["Paris.", {"content": "Lyon.", "model": "m2"}],
        "metadata": {"source": "test"},
    }
    assert _upload(
        researcher, slug, jsonl([row, {"prompt": "lonely", "candidates": ["one"]}])
    ).json() == {"imported": 2, "ready": 1}
    page = researcher.get(f"/api/campaigns/{slug}/items").json()
    first = page["items"][0]
    assert [m["role"] for m in first["context"]] == ["system", "user", "assistant", "user"]
    assert first["context"][3]["content"] == [{"type": "text", "text": "Capital of France?"}]
    assert [c["model_name"] for c in first["candidates"]] == [None, "m2"]
    assert page["items"][1]["status"] == "pending"


def test_out_of_range_pagination_is_a_422(as_user, unique):
    researcher = as_user("researcher")
    slug = f"page-{unique}"
    researcher.post("/api/campaigns", json=pairwise_spec(slug))
    for query in ("limit=0", "limit=100000", "offset=-1", "limit=abc"):
        response = researcher.get(f"/api/campaigns/{slug}/items?{query}")
        assert response.status_code == 422, query
        assert response.json()["error"]["code"] == "validation_error"
