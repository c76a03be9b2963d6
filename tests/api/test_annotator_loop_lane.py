"""The annotator's loop lane (assignments/loop_lane.py) answers exactly as the FastAPI routes it
stands in for: every request below goes to one app with the lane and one without, and the two
answers agree on status, the headers a client or browser acts on, and the body (success bodies
by their shape, since each app's annotator leases their own task). The lane takes only its
routes' usual shapes; everything else reaches the app as it came."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from support.api import create_campaign_with_items

CHOICE = {"preference": {"choice": "A"}}
# What a client or a browser acts on; the rest (date, content-length of equal bodies) follows.
COMPARED_HEADERS = (
    "content-type",
    "retry-after",
    "connection",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
    "content-security-policy",
    "location",
)


class InnerAppCalls:
    """Counts the requests the lane passes on to the app behind it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


def _lane_of(app: Any) -> Any:
    from prefhub.assignments.loop_lane import AnnotatorLoopLane

    layer = app.build_middleware_stack()
    app.middleware_stack = layer
    while not isinstance(layer, AnnotatorLoopLane):
        layer = layer.app
    return layer


@pytest.fixture
def apps(migrated: str) -> Iterator[tuple[Any, Any, InnerAppCalls]]:
    """(an app with the lane, one without, the lane's passes to its app)."""
    from prefhub.app import create_app

    with_lane, without = create_app(loop_lane=True), create_app(loop_lane=False)
    lane = _lane_of(with_lane)
    passed = lane.app = InnerAppCalls(lane.app)
    yield with_lane, without, passed


def _send(app: Any, method: str, path: str, cookies: Any = None, **request: Any) -> Any:
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.7", 50000)) as client:
        if cookies is not None:
            client.cookies = cookies
        return client.request(method, path, follow_redirects=False, **request)


Pair = Callable[..., tuple[httpx.Response, httpx.Response]]


@pytest.fixture
def both(apps: tuple[Any, Any, InnerAppCalls]) -> Pair:
    """``both(method, path, cookies=..., **request)`` → (the lane's answer, FastAPI's)."""
    with_lane, without, _ = apps

    def send(method: str, path: str, cookies: Any = None, **request: Any) -> Any:
        return tuple(_send(app, method, path, cookies, **request) for app in (with_lane, without))

    return send


def _assert_same(lane: httpx.Response, plain: httpx.Response, *, shape_only: bool = False) -> None:
    assert lane.status_code == plain.status_code, (lane.text, plain.text)
    for name in COMPARED_HEADERS:
        assert lane.headers.get(name) == plain.headers.get(name), name
    if shape_only:
        assert _shape(lane.json()) == _shape(plain.json())
    else:
        assert lane.content == plain.content


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


def _submit_body(assignment_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "client_id": str(uuid.uuid4()),
        "answers": CHOICE,
        **extra,
    }


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["prefhub_csrf"]}


def test_the_loop_through_the_lane_answers_as_the_routes_do(as_user, unique, apps):
    """Each app's annotator takes a task and submits it with next: same answers, by shape."""
    slug = f"lane-ok-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=6, redundancy=1)
    with_lane, without, passed = apps
    answers: dict[str, list[httpx.Response]] = {"next": [], "submit": [], "again": []}
    for app in (with_lane, without):
        user = as_user()
        taken = _send(app, "GET", f"/api/annotate/{slug}/next", user.cookies)
        body = _submit_body(taken.json()["task"]["assignment_id"], next=True)
        path = f"/api/annotate/{slug}/submit"
        submitted = _send(app, "POST", path, user.cookies, headers=_csrf(user), json=body)
        # The same submit again: stored once, the same answer (idempotent by client id).
        again = _send(app, "POST", path, user.cookies, headers=_csrf(user), json=body)
        for name, response in (("next", taken), ("submit", submitted), ("again", again)):
            answers[name].append(response)
    for name, (lane, plain) in answers.items():
        assert lane.status_code == 200, (name, lane.text)
        _assert_same(lane, plain, shape_only=True)
    lane_submit = answers["submit"][0].json()
    assert lane_submit["next"]["progress"]["my_judgments"] == 1
    assert answers["again"][0].json()["judgment_id"] == lane_submit["judgment_id"]
    # Every one of these came through the lane, none through the app's routes.
    assert passed.paths == []


@pytest.fixture
def loop_setup(as_user, unique) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An active and a paused campaign, an annotator holding a task of the active one, and a
    researcher's API token."""
    researcher = as_user("researcher")
    active, paused = f"lane-{unique}", f"lane-paused-{unique}"
    for slug in (active, paused):
        create_campaign_with_items(researcher, slug, n_items=4, redundancy=1)
    moved = researcher.post(f"/api/campaigns/{paused}/status", json={"status": "paused"})
    assert moved.status_code == 200, moved.text
    annotator = as_user()
    task = annotator.get(f"/api/annotate/{active}/next").json()["task"]
    token = researcher.post("/api/auth/tokens", json={"name": "lane"}).json()["token"]
    return {
        "active": active,
        "paused": paused,
        "cookies": annotator.cookies,
        "csrf": _csrf(annotator),
        "assignment_id": task["assignment_id"],
        "token": token,
    }


# name → (method, path, what the request carries, whether the lane hands it to the app); some
# are no refusal at all, but requests the lane must leave to the app.
# "{active}", "{paused}" name the campaigns; "cookies" and "csrf" are the annotator's.
REFUSALS: dict[str, tuple[str, str, dict[str, Any], bool]] = {
    "no credentials": ("GET", "/api/annotate/{active}/next", {}, False),
    "an unknown session cookie": (
        "GET",
        "/api/annotate/{active}/next",
        {"cookies": {"prefhub_session": "not-a-session"}},
        False,
    ),
    "an unknown bearer token": (
        "GET",
        "/api/annotate/{active}/next",
        {"headers": {"Authorization": "Bearer not-a-token"}},
        False,
    ),
    "a submit without the CSRF header": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "json": "valid"},
        False,
    ),
    "a submit with a wrong CSRF header": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "headers": {"X-CSRF-Token": "wrong"}, "json": "valid"},
        False,
    ),
    "an unknown campaign": ("GET", "/api/annotate/nowhere-x/next", {"cookies": True}, False),
    "a paused campaign": ("GET", "/api/annotate/{paused}/next", {"cookies": True}, False),
    "a submit to a paused campaign": (
        "POST",
        "/api/annotate/{paused}/submit",
        {"cookies": True, "csrf": True, "json": "valid"},
        False,
    ),
    "a slug with odd characters": (
        "GET",
        "/api/annotate/caf%C3%A9%20%22x%22/next",
        {"cookies": True},
        False,
    ),
    "an unknown assignment": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": {"assignment_id": 2**31 - 1}},
        False,
    ),
    "an answer naming no candidate": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": {"answers": {"preference": {"choice": "Z"}}}},
        False,
    ),
    "a bearer token on an unknown campaign": (
        "GET",
        "/api/annotate/nowhere-x/next",
        {"headers": {"Authorization": "Bearer {token}"}},
        False,
    ),
    "a body missing its fields": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": {"client_id": "short"}},
        True,
    ),
    "a body of the wrong types": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": {"assignment_id": "x", "time_spent_ms": -1}},
        True,
    ),
    "a JSON array": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": []},
        True,
    ),
    "an empty JSON body": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "content": b"", "type": "application/json"},
        True,
    ),
    "malformed JSON": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "content": b'{"a": ', "type": "application/json"},
        True,
    ),
    "JSON sent as text/plain": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": "valid", "type": "text/plain"},
        True,
    ),
    "a body too large": (
        "POST",
        "/api/annotate/{active}/submit",
        {"cookies": True, "csrf": True, "json": {"padding": "x" * 1_100_000}},
        False,  # RequestLimits refuses it unread
    ),
    "a bad additional": (
        "GET",
        "/api/annotate/{active}/next?additional=maybe",
        {"cookies": True},
        True,
    ),
    "another query parameter": ("GET", "/api/annotate/{active}/next?x=1", {"cookies": True}, True),
    "POST to next": ("POST", "/api/annotate/{active}/next", {"cookies": True, "csrf": True}, True),
    "GET of submit": ("GET", "/api/annotate/{active}/submit", {"cookies": True}, True),
    "HEAD of next": ("HEAD", "/api/annotate/{active}/next", {"cookies": True}, True),
    "a trailing slash": ("GET", "/api/annotate/{active}/next/", {"cookies": True}, True),
    "an encoded slash in the slug": (
        "GET",
        "/api/annotate/a%2Fb/next",
        {"cookies": True},
        True,
    ),
    "an empty slug": ("GET", "/api/annotate//next", {"cookies": True}, True),
    "the held task again": ("GET", "/api/annotate/{active}/next", {"cookies": True}, False),
}

# name → the status and error code both answer.
ANSWERS: dict[str, tuple[int, str | None]] = {
    "no credentials": (401, "not_authenticated"),
    "an unknown session cookie": (401, "not_authenticated"),
    "an unknown bearer token": (401, "not_authenticated"),
    "a submit without the CSRF header": (403, "csrf_failed"),
    "a submit with a wrong CSRF header": (403, "csrf_failed"),
    "an unknown campaign": (404, "campaign_not_found"),
    "a paused campaign": (409, "campaign_not_active"),
    "a submit to a paused campaign": (404, "assignment_not_found"),
    "a slug with odd characters": (404, "campaign_not_found"),
    "an unknown assignment": (404, "assignment_not_found"),
    "an answer naming no candidate": (422, "invalid_answer"),
    "a bearer token on an unknown campaign": (404, "campaign_not_found"),
    "a body missing its fields": (422, "validation_error"),
    "a body of the wrong types": (422, "validation_error"),
    "a JSON array": (422, "validation_error"),
    "an empty JSON body": (422, "validation_error"),
    "malformed JSON": (400, "malformed_json"),
    "JSON sent as text/plain": (422, "validation_error"),
    "a body too large": (413, "payload_too_large"),
    "a bad additional": (422, "validation_error"),
    "another query parameter": (200, None),
    "POST to next": (405, "method_not_allowed"),
    "GET of submit": (404, "not_found"),
    "HEAD of next": (405, None),
    "a trailing slash": (404, "not_found"),
    "an encoded slash in the slug": (404, "not_found"),
    "an empty slug": (404, "not_found"),
    "the held task again": (200, None),
}


def _request(setup: dict[str, Any], carries: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"headers": {}}
    for name, value in carries.get("headers", {}).items():
        request["headers"][name] = value.format(**setup)
    if carries.get("csrf"):
        request["headers"].update(setup["csrf"])
    cookies = carries.get("cookies")
    request["cookies"] = setup["cookies"] if cookies is True else cookies
    body = carries.get("json")
    if body is not None:
        valid = _submit_body(setup["assignment_id"])
        body = valid if body == "valid" else {**valid, **body} if isinstance(body, dict) else body
        request["content"] = httpx.Request("POST", "/", json=body).content
        request["headers"].setdefault("Content-Type", "application/json")
    if "content" in carries:
        request["content"] = carries["content"]
    if "type" in carries:
        request["headers"]["Content-Type"] = carries["type"]
    return request


def test_every_refusal_is_the_routes_own_word_for_word(loop_setup, both, apps):
    _, _, passed = apps
    for name, (method, path, carries, passes_on) in REFUSALS.items():
        before = len(passed.paths)
        lane, plain = both(method, path.format(**loop_setup), **_request(loop_setup, carries))
        try:
            _assert_same(lane, plain)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from failure
        assert (len(passed.paths) > before) is passes_on, name
        status, code = ANSWERS[name]
        assert lane.status_code == status, name
        if code is not None:
            assert set(lane.json()["error"]) == {"code", "message", "details"}, name
            assert lane.json()["error"]["code"] == code, name


def test_a_bearer_token_takes_and_submits_through_the_lane(loop_setup, apps):
    with_lane, _, passed = apps
    headers = {"Authorization": f"Bearer {loop_setup['token']}"}
    slug = loop_setup["active"]
    task = _send(with_lane, "GET", f"/api/annotate/{slug}/next", headers=headers).json()["task"]
    body = _submit_body(task["assignment_id"], next=True)
    submitted = _send(with_lane, "POST", f"/api/annotate/{slug}/submit", headers=headers, json=body)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["next"]["task"]["assignment_id"] != task["assignment_id"]
    assert passed.paths == []


def test_a_database_that_drops_out_answers_503_as_the_routes_do(loop_setup, apps):
    from support.db_faults import database_drops_out_at

    answers = []
    for app in apps[:2]:
        with database_drops_out_at("SELECT", "raise") as failed:
            answers.append(
                _send(
                    app,
                    "POST",
                    f"/api/annotate/{loop_setup['active']}/submit",
                    loop_setup["cookies"],
                    headers=loop_setup["csrf"],
                    json=_submit_body(loop_setup["assignment_id"]),
                )
            )
        assert failed
    lane, plain = answers
    _assert_same(lane, plain)
    assert lane.status_code == 503
    assert lane.json()["error"]["code"] == "database_unavailable"
    assert lane.headers["retry-after"]
    assert apps[2].paths == []


def test_additional_through_the_lane_asks_for_one_more_task(loop_setup, apps):
    """``additional=false`` resumes the held task; ``additional=true`` asks for one more, which
    the campaign's cap of one open task refuses."""
    with_lane, _, passed = apps
    path = f"/api/annotate/{loop_setup['active']}/next"
    held = _send(with_lane, "GET", f"{path}?additional=false", loop_setup["cookies"])
    more = _send(with_lane, "GET", f"{path}?additional=true", loop_setup["cookies"])
    assert held.json()["task"]["assignment_id"] == loop_setup["assignment_id"]
    assert (more.status_code, more.json()["error"]["code"]) == (409, "lease_cap_reached")
    assert passed.paths == []


def test_the_loop_lane_setting_takes_the_lane_out_of_the_app(migrated, monkeypatch):  # type: ignore[no-untyped-def]
    from prefhub.app import create_app
    from prefhub.assignments.loop_lane import AnnotatorLoopLane
    from prefhub.settings import get_settings

    def layers(app: Any) -> list[type]:
        found, layer = [], app.build_middleware_stack()
        while layer is not None:
            found.append(type(layer))
            layer = getattr(layer, "app", None)
        return found

    assert AnnotatorLoopLane in layers(create_app())
    monkeypatch.setenv("PREFHUB_LOOP_LANE", "false")
    get_settings.cache_clear()
    try:
        assert AnnotatorLoopLane not in layers(create_app())
    finally:
        monkeypatch.delenv("PREFHUB_LOOP_LANE")
        get_settings.cache_clear()
