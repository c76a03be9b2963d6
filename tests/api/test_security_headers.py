"""Browser hardening: every response (API, the web app's index, its static files) carries a strict
Content-Security-Policy, nosniff, no framing and no referrer; presigned media's bucket is the one
origin added; session cookies are Secure by default in production; compose binds to loopback."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from support.api import create_campaign_with_items
from support.fake_openai import tiny_png
from support.services import require_or_skip

ROOT = Path(__file__).resolve().parents[2]
HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The response's Content-Security-Policy as {directive: sources}."""
    header = response.headers["content-security-policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def assert_app_policy(response, media_origins: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    for name, value in HARDENING.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "camera=()" in response.headers["permissions-policy"]
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["connect-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:", *media_origins]
    assert csp["media-src"] == ["'self'", "blob:", *media_origins]
    assert "unsafe" not in response.headers["content-security-policy"]


@pytest.fixture
def site(migrated, tmp_path) -> Iterator[TestClient]:
    """The app serving a small built frontend of its own."""
    from prefhub.app import create_app

    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/app.js"></script><div id="root">'
    )
    (dist / "assets" / "app.js").write_text("console.log('app')\n")
    (dist / "assets" / "app.css").write_text("body { margin: 0 }\n")
    with TestClient(create_app(frontend_dist=dist), raise_server_exceptions=False) as client:
        yield client


def test_api_responses_carry_the_headers_whatever_their_status(site):
    responses = [
        site.get("/api/health"),
        site.get("/api/auth/me"),  # 401
        site.get("/api/no-such-endpoint"),  # 404
        site.post(
            "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
        ),
        site.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 400, 200]
    for response in responses:
        assert_app_policy(response)


def test_an_unhandled_error_answers_500_with_the_headers_too(migrated, tmp_path):
    """Starlette sends a 500 from its outermost layer, past every middleware: the error
    response must carry the hardening itself."""
    from prefhub.app import create_app

    app = create_app(frontend_dist=tmp_path)

    def crash() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/crash-for-test", crash)
    app.router.routes.insert(0, app.router.routes.pop())  # before the web app's catch-all
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/crash-for-test")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "a bug" not in response.text
    for name, value in HARDENING.items():
        assert response.headers.get(name) == value, name
    assert policy(response)["default-src"] == ["'none'"]
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_the_web_app_and_its_static_files_carry_the_headers(site):
    for path in ("/", "/annotate/some-campaign", "/assets/app.js", "/assets/app.css"):
        response = site.get(path)
        assert response.status_code == 200, path
        assert_app_policy(response)
    assert '<div id="root">' in site.get("/annotate/some-campaign").text


def test_the_built_app_has_no_inline_script_or_style(migrated):
    """The policy forbids inline code, so the built index must not need any."""
    from prefhub.app import FRONTEND_DIST

    index = FRONTEND_DIST / "index.html"
    if not index.is_file():
        pytest.skip("frontend/dist is not built (make frontend)")
    html = index.read_text()
    assert "<style" not in html and " style=" not in html
    for tag in html.split("<script")[1:]:
        assert " src=" in tag.split(">")[0], "an inline <script> in the built index.html"


def test_api_docs_have_a_policy_of_their_own_and_the_app_keeps_its_strict_one(site):
    for path in ("/docs", "/redoc"):
        docs = site.get(path)
        assert docs.status_code == 200
        csp = policy(docs)
        # Swagger UI and ReDoc come from this origin (no CDN); /docs' one inline script by hash.
        assert "https:" not in docs.headers["content-security-policy"]
        assert csp["script-src"][0] == "'self'"
        assert all(s.startswith("'sha256-") for s in csp["script-src"][1:])
        assert len(csp["script-src"]) == (2 if path == "/docs" else 1)
        # Inline styles and a blob worker only for ReDoc; /docs allows no inline style.
        redoc = path == "/redoc"
        assert csp["style-src"] == (["'self'", "'unsafe-inline'"] if redoc else ["'self'"])
        assert csp["worker-src"] == (["blob:"] if redoc else ["'none'"])
        assert csp["frame-ancestors"] == ["'none'"]
        assert docs.headers["x-content-type-options"] == "nosniff"
        assert docs.headers.get_list("content-security-policy") == [
            docs.headers["content-security-policy"]
        ]
    assert_app_policy(site.get("/"))
    assert_app_policy(site.get("/docsx"))  # only the docs pages themselves


def test_media_files_keep_their_own_stricter_policy(as_user, unique):
    researcher = as_user("researcher")
    slug = f"hdr-{unique}"
    create_campaign_with_items(researcher, slug, n_items=1)
    sha = _upload_png(researcher, slug, "own-policy")
    media = researcher.get(f"/api/media/{sha}")
    assert media.status_code == 200
    assert media.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert media.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox"]
    assert media.headers.get_list("x-content-type-options") == ["nosniff"]
    assert media.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("endpoint_url", "region"),
    [("http://127.0.0.1:9", "us-east-1"), (None, "eu-west-1")],
    ids=["s3-compatible endpoint", "aws"],
)
def test_presigned_media_redirects_go_to_an_origin_the_policy_allows(
    as_user, unique, monkeypatch, endpoint_url, region
):
    """With presigned URLs the browser follows /api/media/… to the bucket: the policy names
    exactly the origin the redirect goes to, and none while media come from the API."""
    from prefhub.settings import get_settings

    researcher = as_user("researcher")
    slug = f"hdr-s3-{unique}"
    create_campaign_with_items(researcher, slug, n_items=1)
    sha = _upload_png(researcher, slug, f"presigned-{region}")
    assert_app_policy(researcher.get("/"))

    # Presigning is computed offline: the bucket need not answer for the URL to be made.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "prefhub-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "prefhub-test-secret")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    for attribute, value in {
        "media_storage": "s3",
        "s3_bucket": f"media-{unique}",
        "s3_endpoint_url": endpoint_url,
        "s3_region": region,
        "s3_presign_seconds": 60,
    }.items():
        monkeypatch.setattr(settings, attribute, value)

    redirect = researcher.get(f"/api/media/{sha}", follow_redirects=False)
    assert redirect.status_code == 307
    location = urlsplit(redirect.headers["location"])
    bucket_origin = f"{location.scheme}://{location.netloc}"
    page = researcher.get("/annotate/x")
    csp = policy(page)
    assert bucket_origin in csp["img-src"] and bucket_origin in csp["media-src"]
    assert csp["script-src"] == ["'self'"] and bucket_origin not in csp["default-src"]
    if endpoint_url is None:
        # S3 may redirect the global host to the bucket's regional one.
        assert f"https://media-{unique}.s3.{region}.amazonaws.com" in csp["img-src"]

    monkeypatch.setattr(settings, "s3_presign_seconds", 0)
    assert_app_policy(researcher.get("/annotate/x"))


def _upload_png(researcher, slug: str, seed: str) -> str:  # type: ignore[no-untyped-def]
    png = tiny_png(seed, size=5)
    uploaded = researcher.post(
        f"/api/campaigns/{slug}/media", files={"files": ("p.png", io.BytesIO(png), "image/png")}
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    return uploaded.json()["files"][0]["part"]["sha256"]


@pytest.mark.parametrize(
    ("environment", "variable", "expected"),
    [
        ("production", None, True),
        ("production", "", True),  # compose passes an unset variable as an empty string
        ("production", "false", False),  # a plain-HTTP pilot, on purpose
        ("development", None, False),
        ("test", None, False),
        ("development", "true", True),
    ],
)
def test_session_cookies_are_secure_by_default_in_production(
    monkeypatch, environment, variable, expected
):
    from prefhub.settings import Settings

    monkeypatch.setenv("PREFHUB_ENVIRONMENT", environment)
    monkeypatch.setenv("PREFHUB_SECRET_KEY", "s" * 48)
    if variable is None:
        monkeypatch.delenv("PREFHUB_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("PREFHUB_COOKIE_SECURE", variable)
    assert Settings(_env_file=None).cookie_secure is expected


def test_the_session_cookie_is_secure_when_the_setting_is(new_client, db, unique, monkeypatch):
    from prefhub.settings import get_settings
    from support.api import PASSWORD, make_user

    email = f"secure-{unique}@example.org"
    make_user(db, email, "annotator")
    monkeypatch.setattr(get_settings(), "cookie_secure", True)
    login = new_client().post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    cookies = login.headers.get_list("set-cookie")
    session = [c for c in cookies if c.startswith("prefhub_session=")]
    assert session and all("secure" in c.lower().split("; ") for c in cookies)


def test_compose_publishes_the_api_on_loopback_only():
    if shutil.which("docker-compose") is None:
        require_or_skip(
            "compose", "docker-compose is not installed (apt-get install docker-compose)"
        )
    config = subprocess.run(
        ["docker-compose", "config"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PREFHUB_SECRET_KEY": "k" * 48},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert config.returncode == 0, config.stderr
    import yaml

    services = yaml.safe_load(config.stdout)["services"]
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published, "the api publishes a port"
    for port in published:
        text = port if isinstance(port, str) else f"{port.get('host_ip')}:{port['published']}"
        assert text.startswith("127.0.0.1:"), port
    assert services["api"]["environment"]["PREFHUB_ENVIRONMENT"] == "production"
