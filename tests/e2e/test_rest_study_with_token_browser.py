"""A researcher's whole study over REST, with an API token made on the settings page.

The researcher signs in in headless Chromium only to make a token and read it off the page.
From then on every call is plain httpx carrying ``Authorization: Bearer`` and no cookie:
templates, spec check, a draft campaign, two model endpoints on a fake OpenAI server on
127.0.0.1, a prompt-only import job, a generation job (the server's embedded worker runs
both), the data browser (and why an item is not served), activation, two annotators'
judgments (their own sessions), a spec edit to version 2 with its diff, pause, close, and
dpo and judgments exports whose rows are what the annotators answered. The token cannot do
what only an admin may; revoked on the settings page, it answers 401 at once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from support.api import jsonl, login, make_user
from support.browser import signed_in_page
from support.fake_openai import FakeOpenAI
from support.processes import wait_for
from support.tokens import mint_token, open_tokens_page, revoke_token

pytestmark = pytest.mark.browser

PROMPTS = {f"p{i}": f"Question {i}: what is {i} times seven?" for i in range(3)}
# The fake server's replies start with the model asked: "[fake-model] reply to: ...".
WRITERS = {"a": "fake-model", "b": "fake-model-2"}


class TokenClient:
    """REST calls carrying only the bearer token: no client keeps a cookie jar."""

    def __init__(self, server: str, token: str) -> None:
        self.server, self.headers = server, {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(
            method, self.server + path, headers=self.headers, timeout=30, **kwargs
        )
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        assert "set-cookie" not in response.headers, f"{method} {path} set a cookie"
        return response

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        return response.json() if response.content else None


def _finished(api: TokenClient, path: str, timeout: float = 90) -> dict[str, Any]:
    """Poll a job until it is over; it must have succeeded."""
    state: dict[str, Any] = wait_for(
        lambda: (s := api.ok("GET", path))["status"] in ("succeeded", "failed", "cancelled") and s,
        timeout=timeout,
    )
    assert state["status"] == "succeeded", state
    return state


def _writer_of(candidate: dict[str, Any]) -> str:
    text = candidate["content"][0]["text"]
    return next(w for w, model in WRITERS.items() if text.startswith(f"[{model}]"))


def _judge_everything(annotator: httpx.Client, slug: str, prefers: dict[str, str]) -> dict:
    """Take tasks until none is left, each time choosing the candidate written by
    ``prefers[external item id]``; returns {prompt: (chosen text, rejected text)}."""
    answered: dict[str, tuple[str, str]] = {}
    while (task := annotator.get(f"/api/annotate/{slug}/next").json()["task"]) is not None:
        prompt = task["context"][-1]["content"][0]["text"]
        item = next(i for i, p in PROMPTS.items() if p == prompt)
        candidates = task["candidates"]
        assert len(candidates) == 2
        chosen = next(c for c in candidates if _writer_of(c) == prefers[item])
        rejected = next(c for c in candidates if c is not chosen)
        submitted = annotator.post(
            f"/api/annotate/{slug}/submit",
            json={
                "assignment_id": task["assignment_id"],
                "client_id": str(uuid.uuid4()),
                "answers": {"preference": {"choice": chosen["label"], "strength": "clear"}},
                "time_spent_ms": 1500,
            },
        )
        assert submitted.status_code == 200, submitted.text
        answered[prompt] = (chosen["content"][0]["text"], rejected["content"][0]["text"])
    return answered


def _rows(api: TokenClient, slug: str, fmt: str) -> list[dict[str, Any]]:
    """Export ``slug`` in ``fmt`` through the export job API and download its data file."""
    job = api.ok("POST", f"/api/campaigns/{slug}/exports", 202, json={"format": fmt})
    done = _finished(api, f"/api/exports/{job['id']}")
    names = {f["name"] for f in done["files"]}
    assert {f"{fmt}.jsonl", "manifest.json", "README.md"} <= names
    data = api.call("GET", f"/api/exports/{job['id']}/files/{fmt}.jsonl")
    assert data.status_code == 200, data.text
    manifest = api.ok("GET", f"/api/exports/{job['id']}/files/manifest.json")
    rows = [json.loads(line) for line in data.text.splitlines()]
    assert manifest["counts"]["rows"] == len(rows)
    return rows


def test_a_researcher_runs_a_whole_study_over_rest_with_a_token_from_the_settings_page(
    browser, server, db, unique
):
    email = f"rest-{unique}@example.org"
    researcher_id = make_user(db, email, "researcher")
    page = signed_in_page(
        browser, server, email, r"/admin$", viewport={"width": 1400, "height": 1000}
    )
    open_tokens_page(page)
    token = mint_token(page, "study script")
    page.get_by_role("button", name="I have copied it").click()

    api = TokenClient(server, token)
    assert api.ok("GET", "/api/auth/me")["email"] == email

    # The spec: the pairwise DPO template, checked before it is a campaign.
    templates = {t["id"]: t for t in api.ok("GET", "/api/campaign-specs/templates")}
    slug = f"rest-study-{unique}"
    spec = templates["pairwise-dpo"]["spec"] | {
        "slug": slug,
        "name": f"REST study {unique}",
        "redundancy": 2,
        "min_candidates": 2,
    }
    checked = api.ok("POST", "/api/campaign-specs/validate", json=spec)
    assert checked["valid"] is True and checked["spec"]["slug"] == slug
    bad = api.call("POST", "/api/campaign-specs/validate", json=spec | {"redundancy": 0})
    assert bad.status_code == 422
    assert "body.redundancy" in {d["field"] for d in bad.json()["error"]["details"]}
    created = api.ok("POST", "/api/campaigns", 201, json=checked["spec"] | {"status": "draft"})
    assert (created["status"], created["version"]) == ("draft", 1)

    with FakeOpenAI() as fake:
        # Two endpoints on the fake server, each a different model.
        names = {w: f"writer-{w}-{unique}" for w in WRITERS}
        for w, model in WRITERS.items():
            body = {"name": names[w], "base_url": fake.base_url, "model": model}
            api.ok("POST", "/api/models", 201, json=body)
            tried = api.ok("POST", f"/api/models/{names[w]}/test")
            assert tried["ok"] is True, tried

        # Prompts only, imported by a job the server's worker runs.
        rows = [{"id": i, "prompt": p} for i, p in PROMPTS.items()]
        job = api.ok(
            "POST",
            f"/api/campaigns/{slug}/items/import-jobs",
            202,
            files={"file": ("prompts.jsonl", jsonl(rows), "application/jsonl")},
        )
        imported = _finished(api, f"/api/import-jobs/{job['id']}")
        assert (imported["imported"], imported["ready"]) == (3, 0)

        # Two candidates for p0 and p1 (one per model); p2 is left without any.
        job = api.ok(
            "POST",
            f"/api/campaigns/{slug}/generation-jobs",
            202,
            json={"models": list(names.values()), "item_ids": ["p0", "p1"]},
        )
        generated = _finished(api, f"/api/generation-jobs/{job['id']}")
        assert generated["progress"]["done"] == 4 and generated["errors"] == []
        assert fake.count("/chat/completions", outcome="ok") >= 4 + 2  # and the 2 model tests

    # The data browser: all three items, and why each is not served yet.
    browsed = api.ok("GET", f"/api/campaigns/{slug}/items/browse")
    assert browsed["total"] == 3
    by_id = {row["external_id"]: row for row in browsed["items"]}
    assert {i: (r["status"], r["n_candidates"]) for i, r in by_id.items()} == {
        "p0": ("ready", 2),
        "p1": ("ready", 2),
        "p2": ("pending", 0),
    }
    assert by_id["p2"]["not_served_because"] == "0 of 2 candidates"
    assert by_id["p0"]["not_served_because"] == "the campaign is draft"
    pending = api.ok("GET", f"/api/campaigns/{slug}/items/browse", params={"status": "pending"})
    assert [r["external_id"] for r in pending["items"]] == ["p2"]
    detail = api.ok("GET", f"/api/campaigns/{slug}/items/{by_id['p0']['id']}/detail")
    assert detail["context"][-1]["content"][0]["text"] == PROMPTS["p0"]
    assert {c["model_name"] for c in detail["candidates"]} == set(names.values())
    assert all(c["latency_ms"] is not None for c in detail["candidates"])
    assert detail["judgments"] == []

    # Annotators are told nothing of a draft; activated, it is theirs.
    annotators = []
    for n in range(2):
        annotator_email = f"rest-ann{n}-{unique}@example.org"
        annotator_id = make_user(db, annotator_email)
        client = httpx.Client(base_url=server, timeout=30)
        login(client, annotator_email)
        annotators.append((annotator_id, client))
    first, second = (client for _, client in annotators)
    hidden = first.get(f"/api/annotate/{slug}/next")
    assert hidden.status_code == 404, hidden.text
    activated = api.ok("POST", f"/api/campaigns/{slug}/status", json={"status": "active"})
    assert activated["status"] == "active"

    # The first always prefers model a; the second agrees on p0 and prefers b on p1.
    answers = {
        "first": _judge_everything(first, slug, {"p0": "a", "p1": "a"}),
        "second": _judge_everything(second, slug, {"p0": "a", "p1": "b"}),
    }
    assert all(set(a) == {PROMPTS["p0"], PROMPTS["p1"]} for a in answers.values())
    judgments = api.ok("GET", f"/api/campaigns/{slug}/judgments")["judgments"]
    assert len(judgments) == 4
    after = api.ok("GET", f"/api/campaigns/{slug}/items/browse", params={"has_disagreement": True})
    assert [r["external_id"] for r in after["items"]] == ["p1"]

    # A spec edit makes version 2; the judgments keep version 1.
    edited = checked["spec"] | {"guidelines": "Prefer the **correct** product of the two."}
    saved = api.ok("PUT", f"/api/campaigns/{slug}/spec", json=edited)
    assert saved["version"] == 2
    versions = api.ok("GET", f"/api/campaigns/{slug}/versions")
    assert versions["current"] == 2
    assert [(v["version"], v["judgments"]) for v in versions["versions"]] == [(1, 4), (2, 0)]
    diff = api.ok(
        "GET", f"/api/campaigns/{slug}/versions/diff", params={"from_version": 1, "to_version": 2}
    )
    assert [(c["path"], c["kind"], c["new"]) for c in diff["changes"]] == [
        ("guidelines", "changed", edited["guidelines"])
    ]

    # Paused, then closed: annotators are refused new tasks; exports still work.
    for status in ("paused", "closed"):
        moved = api.ok("POST", f"/api/campaigns/{slug}/status", json={"status": status})
        assert moved["status"] == status
        refused = first.get(f"/api/annotate/{slug}/next")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            409,
            "campaign_not_active",
        )

    dpo = _rows(api, slug, "dpo")
    raw = _rows(api, slug, "judgments")
    assert len(dpo) == 4 and len(raw) == 4
    assert {r["campaign_version"] for r in raw} == {1}
    assert {r["item_id"] for r in raw} == {"p0", "p1"}
    # Rows grouped by pseudonymous annotator are exactly each annotator's answers.
    exported: dict[str, dict[str, tuple[str, str]]] = {}
    for row in dpo:
        assert "@" not in json.dumps(row["metadata"])
        annotator = row["metadata"]["annotator_id"]  # one judgment per row: one annotator
        assert isinstance(annotator, str) and annotator
        prompt = row["prompt"][-1]["content"]
        pair = (row["chosen"][0]["content"], row["rejected"][0]["content"])
        assert row["chosen"][0]["role"] == row["rejected"][0]["role"] == "assistant"
        exported.setdefault(annotator, {})[prompt] = pair
    assert sorted(exported.values(), key=str) == sorted(answers.values(), key=str)
    pseudonym = {who: next(p for p, a in exported.items() if a == answers[who]) for who in answers}
    # The raw rows say which model's answer each annotator chose, and how strongly.
    chose = {
        (r["annotator_id"], r["item_id"]): r["shown"][r["answer"]["choice"]]["model"] for r in raw
    }
    assert chose == {
        (pseudonym["first"], "p0"): names["a"],
        (pseudonym["first"], "p1"): names["a"],
        (pseudonym["second"], "p0"): names["a"],
        (pseudonym["second"], "p1"): names["b"],
    }
    assert {r["answer"]["strength"] for r in raw} == {"clear"}

    # A researcher's token is no admin's: accounts and roles stay out of reach.
    for annotator_id, _ in annotators:
        refused = api.call("PUT", f"/api/users/{annotator_id}/role", json={"role": "admin"})
        assert refused.status_code == 403, refused.text
    promote = api.call("PUT", f"/api/users/{researcher_id}/role", json={"role": "admin"})
    assert promote.status_code == 403
    assert api.ok("GET", "/api/auth/me")["role"] == "researcher"

    # Revoked on the settings page, the token answers 401 on its next call.
    page.reload()
    page.get_by_role("heading", name="API tokens", exact=True).wait_for()
    revoke_token(page, "study script")
    gone = api.call("GET", f"/api/campaigns/{slug}")
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "not_authenticated"
    assert page.js_errors == []
    for _, client in annotators:
        client.close()
