"""Model endpoints cannot be turned against the server: keys are named secrets sent only to
their hosts, every call passes the egress policy, answers are not echoed, endpoints belong to
their owner, local model directories stay under the admin's root, and model tests cannot
take the API's request slots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from support.api import login, make_user
from support.fake_openai import FakeOpenAI
from support.processes import api_server

INTERNAL_PAGE = "INTERNAL-ADMIN-PAGE db_password=hunter2"


class CaptureServer:
    """An 'internal service' on loopback: answers a fixed page, records every request."""

    def __init__(
        self, status: int = 200, body: str = INTERNAL_PAGE, content_type: str = "text/plain"
    ) -> None:
        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append(dict(self.headers))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer()
    yield server
    server.close()


def _register(client, name, base_url, **extra):  # type: ignore[no-untyped-def]
    body = {"name": name, "base_url": base_url, "model": "m"} | extra
    return client.post("/api/models", json=body)


def _code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# ---------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    "variable",
    ["PREFHUB_SECRET_KEY", "PREFHUB_DATABASE_URL", "AWS_SECRET_ACCESS_KEY", "HOME", "OPENAI"],
)
def test_a_model_cannot_name_a_variable_that_is_not_a_configured_secret(
    as_user, capture, unique, variable
):
    researcher = as_user("researcher")
    response = _register(researcher, f"steal-{unique}", capture.base_url, api_key_secret=variable)
    assert _code(response) == (422, "model_secret_refused")
    names = [m["name"] for m in researcher.get("/api/models").json()["models"]]
    assert f"steal-{unique}" not in names
    assert capture.requests == []


def test_a_secret_is_sent_only_to_the_hosts_it_is_bound_to(as_user, fake, unique, monkeypatch):
    from prefhub.settings import get_settings

    monkeypatch.setenv("PREFHUB_MODEL_KEY_FAKE_KEY", f"sk-{unique}")
    monkeypatch.setenv("PREFHUB_MODEL_KEY_ELSEWHERE", f"sk-elsewhere-{unique}")
    researcher = as_user("researcher")
    # ELSEWHERE is bound to api.example.org: registering it for another host is refused.
    refused = _register(researcher, f"x-{unique}", fake.base_url, api_key_secret="ELSEWHERE")
    assert _code(refused) == (422, "model_secret_refused")

    assert _register(researcher, f"k-{unique}", fake.base_url, api_key_secret="FAKE_KEY").is_success
    assert researcher.post(f"/api/models/k-{unique}/test").json()["ok"] is True
    (sent,) = fake.requests
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["authorization"] == f"Bearer sk-{unique}"

    # The admin re-binds the secret: the key is no longer sent to the registered host.
    monkeypatch.setattr(get_settings(), "model_secret_hosts", {"FAKE_KEY": ["api.example.org"]})
    result = researcher.post(f"/api/models/k-{unique}/test").json()
    assert result["ok"] is False and "not configured for this endpoint's host" in result["error"]
    assert len(fake.requests) == 1

    secrets = researcher.get("/api/models/secrets").json()["secrets"]
    assert {"name": "FAKE_KEY", "hosts": ["api.example.org"], "available": True} in secrets
    assert all("sk-" not in str(s) for s in secrets)


# ---------------------------------------------------------------- egress


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/v1",
        "http://169.254.169.254/latest",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]/v1",
        "file:///etc/passwd",
        "http://user:pw@example.org/v1",
    ],
)
def test_model_endpoints_at_private_addresses_are_refused(as_user, unique, monkeypatch, url):
    from prefhub.settings import get_settings

    monkeypatch.setattr(get_settings(), "egress_allow", [])
    response = _register(as_user("researcher"), f"p-{unique}", url)
    assert response.status_code == 422
    assert response.json()["error"]["code"] in {"model_endpoint_refused", "validation_error"}


def test_a_name_resolving_inside_is_refused_when_called_and_nothing_is_sent(
    as_user, capture, unique, monkeypatch
):
    from prefhub.settings import get_settings

    researcher = as_user("researcher")
    url = capture.base_url.replace("127.0.0.1", "localhost")
    assert _register(researcher, f"dns-{unique}", url).is_success
    monkeypatch.setattr(get_settings(), "egress_allow", [])
    result = researcher.post(f"/api/models/dns-{unique}/test").json()
    assert result["ok"] is False and "egress policy" in result["error"]
    assert "127.0.0.1" not in result["error"]
    assert capture.requests == []
    # Allowed by name, as an admin allows a local vLLM: the same endpoint is reached.
    monkeypatch.setattr(get_settings(), "egress_allow", ["localhost"])
    assert researcher.post(f"/api/models/dns-{unique}/test").json()["ok"] is False
    assert len(capture.requests) == 1


@pytest.mark.parametrize("status", [200, 404, 500])
def test_an_internal_services_answer_is_never_echoed(as_user, unique, status):
    server = CaptureServer(status=status)
    try:
        researcher = as_user("researcher")
        assert _register(researcher, f"echo-{unique}", server.base_url).is_success
        result = researcher.post(f"/api/models/echo-{unique}/test").json()
    finally:
        server.close()
    assert result["ok"] is False
    assert "INTERNAL" not in result["error"] and "hunter2" not in result["error"]
    assert (f"HTTP {status}" in result["error"]) == (status != 200)


def test_an_openai_error_message_is_shown_short_and_printable(as_user, fake, unique):
    researcher = as_user("researcher")
    assert _register(researcher, f"e-{unique}", fake.base_url).is_success
    fake.fail_next(status=400, message="model 'm' does not exist\x1b[31m" + "x" * 500)
    error = researcher.post(f"/api/models/e-{unique}/test").json()["error"]
    assert error.startswith("HTTP 400: model 'm' does not exist")
    assert "\x1b" not in error and len(error) < 250


# ---------------------------------------------------------------- ownership


def test_a_model_belongs_to_its_owner_until_shared(as_user, fake, unique):
    owner, other, admin = as_user("researcher"), as_user("researcher"), as_user("admin")
    name = f"own-{unique}"
    assert _register(owner, name, fake.base_url).is_success
    slug = f"own-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert other.post("/api/campaigns", json=spec).status_code == 201
    items = b'{"id": "p1", "prompt": "Hi?"}\n'
    other.post(f"/api/campaigns/{slug}/items/import", files={"file": ("p.jsonl", items)})

    # To another researcher the model does not exist: not listed, not testable, not usable.
    assert name not in [m["name"] for m in other.get("/api/models").json()["models"]]
    assert _code(other.post(f"/api/models/{name}/test")) == (404, "model_not_found")
    job = other.post(f"/api/campaigns/{slug}/generation-jobs", json={"models": [name]})
    assert _code(job) == (404, "model_not_found")
    share = {"all": False, "researchers": [other.email]}
    assert _code(other.put(f"/api/models/{name}/sharing", json=share)) == (404, "model_not_found")
    assert fake.requests == []

    # Only an admin shares with everyone; the owner shares with a named researcher.
    everyone = owner.put(f"/api/models/{name}/sharing", json={"all": True})
    assert _code(everyone) == (403, "forbidden")
    shared = owner.put(f"/api/models/{name}/sharing", json=share).json()
    assert shared["shared_with"] == [other.email] and shared["mine"] is True
    listed = [m for m in other.get("/api/models").json()["models"] if m["name"] == name]
    assert [(m["mine"], m["shared_with"]) for m in listed] == [(False, None)]
    assert other.post(f"/api/models/{name}/test").json()["ok"] is True
    assert other.post(f"/api/campaigns/{slug}/generation-jobs", json={"models": [name]}).is_success
    too_long = {"researchers": ["x" * 400 + "@example.org"]}
    assert _code(owner.put(f"/api/models/{name}/sharing", json=too_long)) == (
        422,
        "validation_error",
    )
    # The one shared with may use it, not share it on.
    again = other.put(f"/api/models/{name}/sharing", json={"researchers": []})
    assert _code(again) == (403, "forbidden")

    assert name in [m["name"] for m in admin.get("/api/models").json()["models"]]
    assert admin.put(f"/api/models/{name}/sharing", json={"all": True}).json()["shared_with_all"]
    third = as_user("researcher")
    assert name in [m["name"] for m in third.get("/api/models").json()["models"]]


def test_tree_replies_use_only_models_the_campaign_owner_may_use(db, as_user, fake, unique):
    from prefhub.campaigns.tree_spec import ModelReplies
    from prefhub.generation import service
    from prefhub.models import Campaign, TreeMessage

    stranger = as_user("researcher")
    assert _register(stranger, f"tree-{unique}", fake.base_url).is_success
    owner = as_user("researcher")
    slug = f"tr-{unique}"
    spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    with db() as session:
        campaign = session.query(Campaign).filter_by(slug=slug).one()
        parent = TreeMessage(id=None)  # never flushed: the job is refused before using it
        replies = ModelReplies(models=[f"tree-{unique}"])
        assert service.create_tree_reply_job(session, campaign, parent, replies) is None


# ---------------------------------------------------------------- local models and limits


def test_local_model_directories_stay_under_the_admins_root(as_user, unique, tmp_path, monkeypatch):
    from prefhub.settings import get_settings

    researcher = as_user("researcher")
    root = tmp_path / "models"
    (root / "tiny").mkdir(parents=True)
    monkeypatch.setattr(get_settings(), "local_models_root", root)

    def register(path: str) -> httpx.Response:
        body = {"name": f"l-{unique}", "provider": "local_hf", "base_url": path, "model": "t"}
        return researcher.post("/api/models", json=body)

    for outside in ("/etc", f"{root}/../../etc", "/proc/self"):
        assert _code(register(outside)) == (422, "model_endpoint_refused")
    (root / "escape").symlink_to("/etc")
    assert _code(register(str(root / "escape"))) == (422, "model_endpoint_refused")
    monkeypatch.setattr(get_settings(), "local_models_root", None)
    refused = register(str(root / "tiny"))
    assert _code(refused) == (422, "model_endpoint_refused")
    assert "PREFHUB_LOCAL_MODELS_ROOT" in refused.json()["error"]["message"]
    monkeypatch.setattr(get_settings(), "local_models_root", root)
    assert register(str(root / "tiny")).status_code == 201


def test_a_model_timeout_is_bounded(as_user, fake, unique):
    response = _register(as_user("researcher"), f"slow-{unique}", fake.base_url, timeout_s=3600)
    assert _code(response) == (422, "validation_error")


def test_model_tests_against_a_slow_endpoint_leave_the_api_responsive(db, fake, unique, run_dir):
    """16 tests at once against an endpoint that takes 3 s, on a real server: at most its few
    test places call out, the rest are refused at once, and everyone else is answered
    meanwhile (before, they filled the request slots and /api/health waited 15.9 s)."""
    from prefhub.settings import get_settings

    places = get_settings().outbound_concurrency
    email = f"slow-{unique}@example.org"
    make_user(db, email, "researcher")
    fake.latency = 3.0
    log = run_dir / f"model-tests-{unique}.log"
    # The places are per API process: one process (serve starts one per core on PostgreSQL).
    with (
        api_server({}, log, ["--workers", "1"]) as base,
        httpx.Client(base_url=base, timeout=30) as researcher,
    ):
        login(researcher, email)
        assert _register(researcher, f"slow-{unique}", fake.base_url).is_success

        def run_test(_: int) -> tuple[httpx.Response, float]:
            with httpx.Client(base_url=base, timeout=30, cookies=researcher.cookies) as c:
                started = time.monotonic()
                response = c.post(f"/api/models/slow-{unique}/test", headers=researcher.headers)
                return response, time.monotonic() - started

        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(run_test, i) for i in range(16)]
            time.sleep(1.0)  # the admitted tests now wait on the endpoint
            started = time.monotonic()
            health = httpx.get(f"{base}/api/health", timeout=30)
            models = researcher.get("/api/models")
            busy_wait = time.monotonic() - started
            results = [f.result() for f in futures]
    assert health.status_code == 200 and models.status_code == 200
    assert busy_wait < 2.0, busy_wait
    assert fake.max_concurrency_seen <= places
    refused = [(r, took) for r, took in results if r.status_code == 429]
    assert len(refused) == 16 - places
    assert {r.json()["error"]["code"] for r, _ in refused} == {"too_many_model_tests"}
    assert all(took < 2.5 for _, took in refused)  # at once, not after the slow ones
    assert sum(r.status_code == 200 and r.json()["ok"] for r, _ in results) == places


def test_a_reply_holding_what_a_database_cannot_store_is_kept_cleaned(as_user, unique, db):
    """A model may answer NUL, lone surrogates, absurd token counts and a huge model name: the
    candidate is stored (PostgreSQL refuses NUL in text), with those replaced or left out."""
    import json

    from sqlalchemy import select

    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.models import Campaign, Candidate, Item

    reply = {
        "choices": [{"message": {"content": "fine\u0000 then \ud800 end"}, "finish_reason": 7}],
        "usage": {"prompt_tokens": 2**40, "completion_tokens": "many"},
        "model": "m\u0000" + "x" * 5000,
    }
    server = CaptureServer(
        body=json.dumps(reply, ensure_ascii=True), content_type="application/json"
    )
    try:
        researcher = as_user("researcher")
        slug = f"nul-{unique}"
        spec = {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}], "redundancy": 1}
        assert researcher.post("/api/campaigns", json=spec).status_code == 201
        rows = b'{"id": "p1", "prompt": "Say something odd."}\n'
        researcher.post(f"/api/campaigns/{slug}/items/import", files={"file": ("p.jsonl", rows)})
        assert _register(researcher, f"odd-{unique}", server.base_url).is_success
        job = researcher.post(
            f"/api/campaigns/{slug}/generation-jobs", json={"models": [f"odd-{unique}"]}
        ).json()
        with db() as session:
            request_ids = service.queued_request_ids(session, job["id"])
        run_locally(request_ids, 1)
    finally:
        server.close()
    state = researcher.get(f"/api/generation-jobs/{job['id']}").json()
    assert state["progress"]["done"] == 1, state
    with db() as session:
        (candidate,) = session.scalars(
            select(Candidate)
            .join(Item, Item.id == Candidate.item_id)
            .join(Campaign, Campaign.id == Item.campaign_id)
            .where(Campaign.slug == slug)
        ).all()
        assert candidate.content[0]["text"] == "fine\ufffd then \ufffd end"
        assert candidate.extra.get("prompt_tokens") is None
        assert candidate.extra.get("finish_reason") is None
