"""Another researcher's job answers as a job that does not exist, whatever its kind and
whichever route names it (issue 16, point 7): ids reveal nothing about other people's work."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from support.api import create_campaign_with_items, items, jsonl

# An id no job has.
NO_JOB = 2**31 - 1


def _job_routes() -> list[str]:
    """Every route of the app that names a job by ``{job_id}``, as ``METHOD path``."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from prefhub.app import create_app

    return sorted(
        f"{method} {context.path_format}"
        for context in iter_route_contexts(create_app().routes)
        if isinstance(context.original_route, APIRoute)
        and "{job_id}" in (context.path_format or "")
        for method in context.methods or ()
    )


def _one_job_of_each_kind(owner: TestClient, slug: str, unique: str) -> dict[str, int]:
    model = {"name": f"rf-{unique}", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    assert owner.post("/api/models", json=model).status_code == 201
    source = {"slug": slug, "name": "Chat"}  # feedback sources have slugs of their own
    assert owner.post("/api/feedback-sources", json=source).status_code == 201
    made = {
        "export": owner.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"}),
        "generation": owner.post(
            f"/api/campaigns/{slug}/generation-jobs", json={"models": [model["name"]]}
        ),
        "import": owner.post(
            f"/api/campaigns/{slug}/items/import-jobs",
            files={"file": ("i.jsonl", jsonl(items(1, "refusal")))},
        ),
        "media_fetch": owner.post(
            f"/api/campaigns/{slug}/media/fetch", json={"url": "https://example.org/cat.png"}
        ),
        "insitu_export": owner.post(f"/api/feedback-sources/{slug}/exports", json={}),
        "insitu_judge": owner.post(
            f"/api/feedback-sources/{slug}/judge-jobs", json={"model": model["name"]}
        ),
    }
    for kind, response in made.items():
        assert response.status_code == 202, (kind, response.text)
    return {kind: response.json()["id"] for kind, response in made.items()}


def _answer(client: TestClient, route: str, job_id: int) -> tuple[int, Any]:
    method, path = route.split(" ", 1)
    response = client.request(method, path.format(job_id=job_id, name="manifest.json"))
    body = response.json() if response.headers.get("content-type") == "application/json" else {}
    return response.status_code, body.get("error", {}).get("code")


def test_another_researchers_job_of_every_kind_answers_as_no_job_on_every_route(as_user, unique):
    from prefhub.models.job import job_kinds

    owner = as_user("researcher")
    slug = f"rf-{unique}"
    create_campaign_with_items(owner, slug, n_items=2, redundancy=1)
    jobs = _one_job_of_each_kind(owner, slug, unique)
    assert set(jobs) == set(job_kinds()), "a new kind of job: make one here"
    routes = _job_routes()
    assert len(routes) >= 10, routes

    other, annotator = as_user("researcher"), as_user("annotator")
    differences = []
    for route in routes:
        absent = _answer(other, route, NO_JOB)
        assert absent[0] == 404, (route, absent)
        for kind, job_id in jobs.items():
            answer = _answer(other, route, job_id)
            if answer != absent:
                differences.append(f"{route} {kind}: {answer}, for no job {absent}")
            refused = _answer(annotator, route, job_id)
            if refused != (403, "forbidden"):
                differences.append(f"{route} {kind} as an annotator: {refused}")
    assert not differences, "\n".join(differences)


def test_a_kinds_own_routes_answer_a_job_of_another_kind_as_no_job(as_user, unique):
    owner = as_user("researcher")
    slug = f"rk-{unique}"
    create_campaign_with_items(owner, slug, n_items=2, redundancy=1)
    jobs = _one_job_of_each_kind(owner, slug, unique)
    prefixes = {
        "export": "/api/exports/",
        "generation": "/api/generation-jobs/",
        "import": "/api/import-jobs/",
        "media_fetch": "/api/media/fetches/",
        "insitu_export": "/api/insitu-exports/",
    }
    differences = []
    for route in _job_routes():
        path = route.split(" ", 1)[1]
        own = next((kind for kind, prefix in prefixes.items() if path.startswith(prefix)), None)
        if own is None:  # /api/jobs/...: every kind is its own
            continue
        absent = _answer(owner, route, NO_JOB)
        for kind, job_id in jobs.items():
            if kind != own and (answer := _answer(owner, route, job_id)) != absent:
                differences.append(f"{route} with a {kind} job: {answer}, for no job {absent}")
    assert not differences, "\n".join(differences)
