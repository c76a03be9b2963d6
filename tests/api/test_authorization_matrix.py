"""Every API route x every kind of caller: who may and who may not.

``POLICIES`` declares, for each route the app serves, who may call it. The route list comes
from the app itself, so a new route without a declared policy fails this test, and so does a
declared route that no longer exists. Each cell is one real request: a caller the policy
refuses must get exactly the refusal its situation calls for (``expected_refusal``: one status
per situation, as ``prefhub.auth.dependencies`` documents); a caller it admits must get none
(nor a 5xx).

Callers: ``anon`` (no session), ``annotator``, ``crowd`` (signed in by another campaign's
crowd link), ``researcher`` (not the owner), ``owner`` (the researcher who owns every object
used here), ``admin``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api import create_campaign_with_items, items, jsonl, login, make_user, pairwise_spec
from support.fake_openai import tiny_png

ROLES = ("anon", "annotator", "crowd", "researcher", "owner", "admin")
ADMITTED = {
    "public": set(ROLES),
    "user": {"annotator", "crowd", "researcher", "owner", "admin"},
    # Any signed-in account that may annotate the (active) campaign: not a crowd account of
    # another campaign.
    "annotate": {"annotator", "researcher", "owner", "admin"},
    "staff": {"researcher", "owner", "admin"},
    # The campaign (or its job, export, tree, model) belongs to ``owner``.
    "manage": {"owner", "admin"},
    "admin": {"admin"},
    # The object is the owner's own (an API token).
    "own": {"owner"},
    # A campaign's media: who manages it, and annotators who may annotate it (a researcher
    # sees only their own campaigns).
    "media": {"annotator", "owner", "admin"},
    # The tree task is leased to ``annotator``.
    "task": {"annotator"},
    # A feedback source's ingestion key, which no signed-in account is: all get 401.
    "ingest_key": set(),
}
# What a refusal for who the caller is says (a 401 for a wrong password is not one).
REFUSALS = {"not_authenticated", "forbidden", "csrf_failed"}


@dataclass(frozen=True)
class Policy:
    who: str
    # Body (JSON, or ``files=``) that is valid for an admitted caller: refusals that happen
    # inside the endpoint must not be hidden by a 422 on the body.
    json: Callable[[dict[str, Any]], Any] | None = None
    files: Callable[[dict[str, Any]], Any] | None = None
    # An admitted caller may get 404 (the object is gone or not ready), e.g. undo with nothing
    # to undo; otherwise a 404 for an admitted caller is a failure.
    may_404: bool = False
    # Changes the caller's own session (log out, password): each cell gets a fresh login.
    fresh: bool = False
    # Destroys the object: cells run after all others, admitted callers last.
    destructive: bool = False
    query: dict[str, Any] = field(default_factory=dict)


def _spec(o: dict[str, Any]) -> dict[str, Any]:
    return pairwise_spec(o["slug"], guidelines=f"Edited {uuid.uuid4().hex[:6]}")


POLICIES: dict[str, Policy] = {
    "GET /api/health": Policy("public"),
    "POST /api/auth/login": Policy(
        "public", json=lambda o: {"email": "nobody@example.org", "password": "wrong password"}
    ),
    "POST /api/auth/logout": Policy("public", fresh=True),
    "GET /api/auth/me": Policy("user"),
    "POST /api/auth/password": Policy(
        "user",
        fresh=True,
        json=lambda o: {"current_password": "not it", "new_password": "Unguessable-Pass-93!"},
    ),
    "POST /api/auth/password-reset": Policy(
        "public", json=lambda o: {"token": "no-such-token", "new_password": "Unguessable-Pass-93!"}
    ),
    "POST /api/auth/sessions/end-others": Policy("user", fresh=True),
    "GET /api/users": Policy("admin"),
    "POST /api/users": Policy(
        "admin",
        json=lambda o: {
            "email": f"made-{uuid.uuid4().hex[:8]}@example.org",
            "password": "Unguessable-Pass-93!",
        },
    ),
    "POST /api/users/{user_id}/password-reset": Policy("admin"),
    "POST /api/users/{user_id}/deactivate": Policy("admin", destructive=True),
    "POST /api/users/{user_id}/activate": Policy("admin"),
    "POST /api/users/{user_id}/sessions/end": Policy("admin"),
    "PUT /api/users/{user_id}/role": Policy("admin", json=lambda o: {"role": "annotator"}),
    # A researcher sees a user's work in their own campaigns only: 404 when there is none.
    "GET /api/users/{user_id}/activity": Policy("staff", may_404=True),
    "GET /api/groups": Policy("staff"),
    "POST /api/groups": Policy("staff", json=lambda o: {"name": f"made-{uuid.uuid4().hex[:8]}"}),
    "GET /api/groups/{group_id}": Policy("manage"),
    "PATCH /api/groups/{group_id}": Policy("manage", json=lambda o: {"description": "matrix"}),
    "PUT /api/groups/{group_id}/members": Policy("manage", json=lambda o: {"members": []}),
    "DELETE /api/groups/{group_id}": Policy("manage", destructive=True, may_404=True),
    "POST /api/auth/tokens": Policy("staff", json=lambda o: {"name": "matrix"}),
    "GET /api/auth/tokens": Policy("user"),
    "DELETE /api/auth/tokens/{token_id}": Policy("own", destructive=True),
    "GET /api/feedback-sources": Policy("staff"),
    "POST /api/feedback-sources": Policy(
        "staff", json=lambda o: {"slug": f"made-{uuid.uuid4().hex[:8]}", "name": "Chat"}
    ),
    "GET /api/feedback-sources/{slug}": Policy("manage"),
    "PATCH /api/feedback-sources/{slug}": Policy("manage", json=lambda o: {"name": "Renamed"}),
    "GET /api/feedback-sources/{slug}/keys": Policy("manage"),
    "GET /api/feedback-sources/{slug}/stats": Policy("manage"),
    "POST /api/feedback-sources/{slug}/exports": Policy("manage", json=lambda o: {"format": "kto"}),
    "GET /api/feedback-sources/{slug}/exports": Policy("manage"),
    "POST /api/feedback-sources/{slug}/judge-jobs": Policy(
        "manage", json=lambda o: {"model": o["name"]}
    ),
    # 409 nothing_to_verify for admitted callers: the matrix's source holds no rows.
    "POST /api/feedback-sources/{slug}/verification": Policy(
        "manage", json=lambda o: {"campaign": o["slug"]}
    ),
    "GET /api/insitu-exports/{job_id}": Policy("manage"),
    "GET /api/insitu-exports/{job_id}/files/{name}": Policy("manage"),
    "POST /api/feedback-sources/{slug}/keys": Policy("manage", json=lambda o: {"name": "k"}),
    "DELETE /api/feedback-sources/{slug}/keys/{key_id}": Policy("manage", destructive=True),
    "POST /api/feedback-sources/{slug}/erasure": Policy("manage", json=lambda o: {"user_id": "u"}),
    "POST /api/ingest/{slug}/events": Policy("ingest_key", json=lambda o: []),
    "GET /api/campaigns": Policy("staff"),
    "POST /api/campaigns": Policy(
        "staff", json=lambda o: pairwise_spec(f"made-{uuid.uuid4().hex[:8]}")
    ),
    "GET /api/campaigns/{slug}": Policy("manage"),
    "PUT /api/campaigns/{slug}/spec": Policy("manage", json=_spec),
    "POST /api/campaigns/{slug}/spec/check": Policy("manage", json=_spec),
    "GET /api/campaigns/{slug}/versions": Policy("manage"),
    "POST /api/campaign-specs/validate": Policy("staff", json=lambda o: pairwise_spec("checked")),
    "GET /api/campaign-specs/templates": Policy("staff"),
    "GET /api/campaigns/{slug}/versions/{version}": Policy("manage"),
    "GET /api/campaigns/{slug}/versions/diff": Policy(
        "manage", query={"from_version": 1, "to_version": 1}
    ),
    # The campaign is active and stays so: an admitted caller gets 409 invalid_transition.
    "POST /api/campaigns/{slug}/status": Policy("manage", json=lambda o: {"status": "active"}),
    # The campaign is active: an admitted caller gets 409 campaign_not_deletable.
    "DELETE /api/campaigns/{slug}": Policy("manage", destructive=True),
    "POST /api/campaigns/{slug}/items/import": Policy(
        "manage", files=lambda o: {"file": ("i.jsonl", jsonl(items(1, uuid.uuid4().hex[:6])))}
    ),
    "POST /api/campaigns/{slug}/items/import-jobs": Policy(
        "manage", files=lambda o: {"file": ("i.jsonl", jsonl(items(1, uuid.uuid4().hex[:6])))}
    ),
    "GET /api/campaigns/{slug}/items": Policy("manage"),
    "GET /api/campaigns/{slug}/items/browse": Policy("manage"),
    "GET /api/campaigns/{slug}/items/{item_id}/detail": Policy("manage"),
    "GET /api/campaigns/{slug}/items/{item_id}/gold": Policy("manage"),
    "PUT /api/campaigns/{slug}/items/{item_id}/gold": Policy(
        "manage", json=lambda o: {"expected": {"preference": {"accept": ["A"]}}, "feedback": "mx"}
    ),
    "DELETE /api/campaigns/{slug}/items/{item_id}/gold": Policy("manage"),
    "GET /api/campaigns/{slug}/judgments": Policy("manage"),
    "GET /api/import-jobs/{job_id}": Policy("manage"),
    "GET /api/annotate/campaigns": Policy("user"),
    "GET /api/annotate/{slug}/next": Policy("annotate"),
    "POST /api/annotate/{slug}/submit": Policy(
        "annotate",
        may_404=True,
        json=lambda o: {
            "assignment_id": 2**31 - 1,
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": "A"}},
        },
    ),
    "POST /api/annotate/{slug}/undo": Policy(
        "annotate", may_404=True, json=lambda o: {"judgment_id": 2**31 - 1}
    ),
    "POST /api/annotate/{slug}/revise": Policy(
        "annotate", may_404=True, json=lambda o: {"judgment_id": 2**31 - 1}
    ),
    "POST /api/annotate/{slug}/report": Policy(
        "annotate", may_404=True, json=lambda o: {"assignment_id": 2**31 - 1, "reason": "spam"}
    ),
    "POST /api/annotate/{slug}/skip": Policy(
        "annotate", may_404=True, json=lambda o: {"assignment_id": 2**31 - 1}
    ),
    "GET /api/annotate/{slug}/judgments": Policy("annotate"),
    "POST /api/campaigns/{slug}/exports": Policy("manage", json=lambda o: {"format": "judgments"}),
    "GET /api/campaigns/{slug}/exports": Policy("manage"),
    "GET /api/campaigns/{slug}/quality/leaderboard": Policy("manage"),
    "GET /api/campaigns/{slug}/quality/agreement": Policy("manage"),
    "GET /api/campaigns/{slug}/quality/gold": Policy("manage"),
    "GET /api/campaigns/{slug}/quality/annotators": Policy("manage"),
    # The matrix's target annotator never worked on the campaign: 404 annotator_not_found.
    "POST /api/campaigns/{slug}/quality/annotators/{user_id}/standing": Policy(
        "manage", may_404=True, json=lambda o: {"standing": "flagged", "reason": "a look"}
    ),
    "GET /api/campaigns/{slug}/quality/progress": Policy("manage"),
    "GET /api/campaigns/{slug}/quality/group-disagreement": Policy(
        "manage", query={"group_by": "annotator_group"}
    ),
    "GET /api/exports/formats": Policy("staff"),
    "GET /api/exports/{job_id}": Policy("manage"),
    "GET /api/exports/{job_id}/files/{name}": Policy("manage", may_404=True),
    "GET /api/exports/{job_id}/archive": Policy("manage"),
    "GET /api/models": Policy("staff"),
    "GET /api/models/secrets": Policy("staff"),
    "POST /api/models": Policy(
        "staff",
        json=lambda o: {
            "name": f"m-{uuid.uuid4().hex[:8]}",
            "base_url": "http://127.0.0.1:9/v1",
            "model": "m",
        },
    ),
    "PUT /api/models/{name}/sharing": Policy("manage", json=lambda o: {"researchers": []}),
    # The model is in use (a generation job): an admitted caller gets 409 model_in_use.
    "DELETE /api/models/{name}": Policy("manage", destructive=True),
    "POST /api/models/{name}/test": Policy("manage"),
    "POST /api/campaigns/{slug}/generation-jobs": Policy(
        "manage", json=lambda o: {"models": [o["name"]]}
    ),
    "GET /api/campaigns/{slug}/generation-jobs": Policy("manage"),
    "GET /api/generation-jobs/{job_id}": Policy("manage"),
    "POST /api/generation-jobs/{job_id}/cancel": Policy("manage", destructive=True),
    "POST /api/generation-jobs/{job_id}/resume": Policy("manage"),
    "POST /api/campaigns/{slug}/media": Policy(
        "manage", files=lambda o: {"files": ("cat.png", tiny_png(uuid.uuid4().hex), "image/png")}
    ),
    "POST /api/campaigns/{slug}/media/fetch": Policy(
        "manage", json=lambda o: {"url": "http://127.0.0.1:9/cat.png"}
    ),
    "GET /api/media/fetches/{job_id}": Policy("manage"),
    # Every kind of job (the matrix names the generation job): a researcher sees their own.
    "GET /api/jobs": Policy("staff"),
    "GET /api/jobs/{job_id}": Policy("manage"),
    "POST /api/jobs/{job_id}/cancel": Policy("manage", destructive=True),
    "POST /api/jobs/{job_id}/resume": Policy("manage"),
    "GET /api/media/{sha256}": Policy("media"),
    "GET /api/annotate/{slug}/participation": Policy("annotate"),
    "POST /api/annotate/{slug}/participation/consent": Policy(
        "annotate", json=lambda o: {"agree": True}
    ),
    "POST /api/annotate/{slug}/participation/profile": Policy(
        "annotate", json=lambda o: {"answers": {}}
    ),
    "GET /api/annotate/{slug}/participation/completion": Policy("annotate"),
    "POST /api/crowd/{slug}/enter": Policy(
        "public", fresh=True, json=lambda o: {"params": {"PROLIFIC_PID": uuid.uuid4().hex}}
    ),
    "GET /api/annotate/{slug}/tree-tasks/next": Policy("annotate"),
    "POST /api/annotate/{slug}/tree-tasks/{task_id}/submit": Policy(
        "task",
        may_404=True,
        json=lambda o: {
            "client_id": str(uuid.uuid4()),
            "answer": {"kind": "review", "acceptable": True, "labels": {}},
            "time_spent_ms": 1000,
        },
    ),
    "POST /api/annotate/{slug}/tree-tasks/{task_id}/skip": Policy(
        "task", destructive=True, json=lambda o: {}
    ),
    "GET /api/campaigns/{slug}/trees": Policy("manage"),
    "GET /api/trees/{tree_id}": Policy("manage"),
    "POST /api/trees/{tree_id}/halt": Policy(
        "manage", destructive=True, json=lambda o: {"reason": "matrix"}
    ),
    "DELETE /api/tree-messages/{message_id}": Policy("manage", destructive=True),
    "PUT /api/tree-messages/{message_id}": Policy("manage", json=lambda o: {"text": "Edited."}),
    "GET /api/tree-messages/{message_id}/revisions": Policy("manage"),
    "GET /api/campaigns/{slug}/tree-messages/flagged": Policy("manage"),
}

# Which campaign a route's ``{slug}`` names: the tree campaign for tree routes.
TREE_ROUTES = ("/trees", "/tree-tasks", "/tree-messages")


def app_routes() -> set[str]:
    from fastapi.routing import APIRoute, iter_route_contexts

    from prefhub.app import create_app

    return {
        f"{method} {context.path_format}"
        for context in iter_route_contexts(create_app().routes)
        if isinstance(context.original_route, APIRoute)
        and (context.path_format or "").startswith("/api/")
        for method in context.methods or ()
    }


def expected_refusal(route: str, policy: Policy, role: str) -> int:
    """The one status a refused caller gets: 401 not signed in; 403 when the caller's role can
    never call the route, whatever object it names; 404 when the object does not exist for the
    caller (another researcher's, another campaign than a crowd account's own, another
    account's token or task), as for an object that exists nowhere."""
    if role == "anon" or policy.who == "ingest_key":
        return 401
    if policy.who in ("staff", "admin"):
        return 403
    if policy.who == "manage" and role in ("annotator", "crowd"):
        return 403
    return 404


def test_every_route_declares_who_may_call_it(migrated):
    routes = app_routes()
    undeclared = sorted(routes - set(POLICIES))
    assert not undeclared, f"routes without a declared policy in POLICIES: {undeclared}"
    stale = sorted(set(POLICIES) - routes)
    assert not stale, f"POLICIES names routes the app no longer has: {stale}"


@pytest.fixture
def world(new_client, db, unique):  # type: ignore[no-untyped-def]
    """One of each caller and one of each object, all owned by ``owner``."""
    password = "correct horse battery"
    emails: dict[str, str] = {}
    for role, kind in (
        ("annotator", "annotator"),
        ("researcher", "researcher"),
        ("owner", "researcher"),
        ("admin", "admin"),
    ):
        emails[role] = f"matrix-{role}-{unique}@example.org"
        make_user(db, emails[role], kind, password)
    crowd_slug = f"mxc-{unique}"

    def sign_in(role: str) -> TestClient:
        """A new client with a new session of ``role``'s account."""
        client = new_client()
        if role == "crowd":
            # The crowd account: signed in by the link of the owner's other campaign.
            link = {"params": {"PROLIFIC_PID": f"p-{unique}"}}
            entered = client.post(f"/api/crowd/{crowd_slug}/enter", json=link)
            assert entered.status_code == 200, entered.text
            client.headers["X-CSRF-Token"] = client.cookies["prefhub_csrf"]
        elif role != "anon":
            login(client, emails[role])
        return client

    owner = sign_in("owner")
    o: dict[str, Any] = {
        "slug": f"mx-{unique}",
        "tree_slug": f"mxt-{unique}",
        "crowd_slug": crowd_slug,
    }
    create_campaign_with_items(owner, o["slug"], 3)
    o["item_id"] = owner.get(f"/api/campaigns/{o['slug']}/items").json()["items"][0]["id"]
    o["group_id"] = owner.post("/api/groups", json={"name": f"mx-{unique}"}).json()["id"]
    spec = pairwise_spec(crowd_slug, participation={"crowd": {"completion_code": "C0DE"}})
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    clients = {role: sign_in(role) for role in ROLES if role != "owner"} | {"owner": owner}

    # A tree campaign with one tree, and a task leased to the annotator.
    trees = {"goal_tree_size": 4, "max_depth": 2, "max_children": 2, "reviews_needed_prompt": 2}
    tree_spec = {
        "name": o["tree_slug"],
        "slug": o["tree_slug"],
        "questions": [{"kind": "labels", "target": "prompt"}],
        "trees": trees,
    }
    assert owner.post("/api/campaigns", json=tree_spec).status_code == 201
    writer_email = f"matrix-writer-{unique}@example.org"
    make_user(db, writer_email, "annotator", password)
    writer = new_client()
    login(writer, writer_email)
    task = writer.get(f"/api/annotate/{o['tree_slug']}/tree-tasks/next").json()["task"]
    written = writer.post(
        f"/api/annotate/{o['tree_slug']}/tree-tasks/{task['id']}/submit",
        json={
            "client_id": str(uuid.uuid4()),
            "answer": {"kind": task["kind"], "text": "A prompt written for the matrix."},
            "time_spent_ms": 1000,
        },
    )
    assert written.status_code == 200, written.text
    leased = clients["annotator"].get(f"/api/annotate/{o['tree_slug']}/tree-tasks/next").json()
    assert leased["task"] is not None, leased
    o["task_id"] = leased["task"]["id"]
    tree = owner.get(f"/api/campaigns/{o['tree_slug']}/trees").json()["trees"][0]
    o["tree_id"] = tree["id"]
    detail = owner.get(f"/api/trees/{o['tree_id']}").json()
    o["message_id"] = detail["root"]["id"]

    model = {"name": f"mx-{unique}", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    assert owner.post("/api/models", json=model).status_code == 201
    o["name"] = model["name"]
    generation = owner.post(
        f"/api/campaigns/{o['slug']}/generation-jobs", json={"models": [o["name"]]}
    )
    assert generation.status_code == 202, generation.text
    o["generation_job_id"] = generation.json()["id"]
    export = owner.post(f"/api/campaigns/{o['slug']}/exports", json={"format": "judgments"})
    assert export.status_code in (201, 202), export.text
    o["export_job_id"] = export.json()["id"]
    o["file_name"] = "manifest.json"
    imported = owner.post(
        f"/api/campaigns/{o['slug']}/items/import-jobs",
        files={"file": ("i.jsonl", jsonl(items(1, "job")))},
    )
    assert imported.status_code == 202, imported.text
    o["import_job_id"] = imported.json()["id"]
    upload = owner.post(
        f"/api/campaigns/{o['slug']}/media",
        files={"files": ("cat.png", tiny_png(f"cat-{unique}"), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    o["sha256"] = upload.json()["files"][0]["part"]["sha256"]
    fetch = owner.post(
        f"/api/campaigns/{o['slug']}/media/fetch", json={"url": "https://example.org/cat.png"}
    )
    assert fetch.status_code == 202, fetch.text
    o["fetch_job_id"] = fetch.json()["id"]
    # A feedback source under the campaign's slug (their own namespace), with a key.
    source = {"slug": o["slug"], "name": "Matrix chat"}
    assert owner.post("/api/feedback-sources", json=source).status_code == 201
    key = owner.post(f"/api/feedback-sources/{o['slug']}/keys", json={"name": "matrix"})
    o["key_id"] = key.json()["id"]
    insitu_export = owner.post(f"/api/feedback-sources/{o['slug']}/exports", json={})
    assert insitu_export.status_code == 202, insitu_export.text
    o["insitu_export_id"] = insitu_export.json()["id"]
    token = owner.post("/api/auth/tokens", json={"name": "matrix"})
    o["token_id"] = token.json()["id"]
    o["user_id"] = make_user(db, f"matrix-target-{unique}@example.org", "annotator", password)
    return clients, sign_in, o


def _path(route: str, o: dict[str, Any]) -> str:
    path = route.split(" ", 1)[1]
    job_id = o["generation_job_id"]
    if path.startswith("/api/exports/"):
        job_id = o["export_job_id"]
    elif path.startswith("/api/import-jobs/"):
        job_id = o["import_job_id"]
    elif path.startswith("/api/media/fetches/"):
        job_id = o["fetch_job_id"]
    elif path.startswith("/api/insitu-exports/"):
        job_id = o["insitu_export_id"]
    slug = o["tree_slug"] if any(t in path for t in TREE_ROUTES) else o["slug"]
    if path.startswith("/api/crowd/"):
        slug = o["crowd_slug"]
    return path.format(
        slug=slug,
        job_id=job_id,
        name=o["file_name"] if "/files/" in path else o["name"],
        user_id=o["user_id"],
        group_id=o["group_id"],
        token_id=o["token_id"],
        key_id=o["key_id"],
        task_id=o["task_id"],
        tree_id=o["tree_id"],
        message_id=o["message_id"],
        sha256=o["sha256"],
        version=1,
        item_id=o["item_id"],
    )


def test_every_caller_gets_exactly_what_the_policy_allows(world, new_client):
    clients, sign_in, o = world

    def caller(role: str, policy: Policy) -> TestClient:
        return sign_in(role) if policy.fresh else clients[role]

    cells: list[tuple[str, str, Policy]] = []
    for route, policy in POLICIES.items():
        admitted = ADMITTED[policy.who]
        # Refused callers first, so an admitted caller's change cannot hide a refusal.
        order = sorted(ROLES, key=lambda r: r in admitted)
        cells += [(route, role, policy) for role in order]
    cells.sort(key=lambda cell: cell[2].destructive)

    failures = []
    for route, role, policy in cells:
        method, _ = route.split(" ", 1)
        kwargs: dict[str, Any] = {"params": policy.query}
        if policy.json is not None:
            kwargs["json"] = policy.json(o)
        if policy.files is not None:
            kwargs["files"] = policy.files(o)
        response = caller(role, policy).request(method, _path(route, o), **kwargs)
        if policy.fresh:
            # It may have ended the role's other sessions: sign the shared client in again.
            clients[role] = sign_in(role)
        status = response.status_code
        code = response.json().get("error", {}).get("code") if status >= 400 else None
        admitted = role in ADMITTED[policy.who]
        if status >= 500:
            failures.append(f"{route} as {role}: {status} {response.text[:200]}")
        elif admitted and (code in REFUSALS or (status == 404 and not policy.may_404)):
            failures.append(f"{route} as {role}: refused ({status}) but the policy admits")
        elif not admitted and status != (expected := expected_refusal(route, policy, role)):
            failures.append(f"{route} as {role}: {status} {code}, but a refusal here is {expected}")
    assert not failures, "\n".join(failures)
